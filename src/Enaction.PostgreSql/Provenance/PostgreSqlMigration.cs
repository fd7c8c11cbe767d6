namespace Enaction.PostgreSql.Provenance;

/// <summary>One explicit, numbered schema change. Applied once, in order, inside one transaction with the others.</summary>
/// <param name="Version">The schema version the database is at after this migration.</param>
/// <param name="Name">What it does, recorded in <c>enaction_schema_migrations</c>.</param>
/// <param name="Sql">The statements.</param>
internal sealed record PostgreSqlMigration(int Version, string Name, string Sql)
{
    /// <summary>Every migration this build knows, oldest first. Never edit one that has shipped: add the next.</summary>
    public static IReadOnlyList<PostgreSqlMigration> All { get; } =
    [
        new(1, "attestations: append-only rows of tenant, conversation, index, model, content MAC, history MAC, time, record MAC", """
            CREATE TABLE enaction_attestations (
                seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant          text        NOT NULL,
                conversation_id text        NOT NULL,
                message_index   integer     NOT NULL,
                model_id        text        NOT NULL,
                content_mac     text        NOT NULL,
                history_mac     text        NOT NULL,
                created_at      timestamptz NOT NULL,
                record_mac      text        NOT NULL);
            CREATE INDEX enaction_attestations_by_position ON enaction_attestations (tenant, conversation_id, message_index, seq);
            CREATE INDEX enaction_attestations_by_content ON enaction_attestations (tenant, content_mac);
            -- Append-only by design. Not a security boundary (a superuser can drop these); the record MAC is.
            CREATE FUNCTION enaction_attestations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'attestations are append-only';
            END $$;
            CREATE TRIGGER enaction_attestations_no_update BEFORE UPDATE OR DELETE ON enaction_attestations
                FOR EACH ROW EXECUTE FUNCTION enaction_attestations_append_only();
            CREATE TRIGGER enaction_attestations_no_truncate BEFORE TRUNCATE ON enaction_attestations
                FOR EACH STATEMENT EXECUTE FUNCTION enaction_attestations_append_only();
            """),
        new(2, "own_scores: the conformal thresholds' reservoir of own-turn scores per model, agent and score space", """
            CREATE TABLE enaction_own_scores (
                model       text        NOT NULL,
                agent       text        NOT NULL,
                score_space text        NOT NULL,
                seen        bigint      NOT NULL CHECK (seen >= 0),
                scores      bytea       NOT NULL,
                updated_at  timestamptz NOT NULL,
                PRIMARY KEY (model, agent, score_space));
            """),
    ];

    /// <summary>The schema version this build creates and reads.</summary>
    public static int Latest => All[^1].Version;
}
