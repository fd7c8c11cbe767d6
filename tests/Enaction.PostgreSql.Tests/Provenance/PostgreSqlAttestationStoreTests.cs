using System.Security.Cryptography;
using Enaction.PostgreSql.Provenance;
using Enaction.PostgreSql.Tests.Support;
using Enaction.Provenance;
using Enaction.Transcripts;
using Npgsql;
using static Enaction.Tests.LedgerTranscripts;

namespace Enaction.PostgreSql.Tests.Provenance;

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlAttestationStoreTests(PostgreSqlFixture server) : IAsyncLifetime
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private readonly List<PostgreSqlAttestationStore> _stores = [];
    private string _database = "";

    public async Task InitializeAsync() => _database = await server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
    }

    /// <summary>One app instance: its own data source (pool) on the shared database, and a ledger over it.</summary>
    private async Task<(PostgreSqlAttestationStore Store, ProvenanceLedger Ledger)> InstanceAsync(string tenant = "default")
    {
        var store = await PostgreSqlAttestationStore.OpenAsync(_database);
        _stores.Add(store);
        return (store, new ProvenanceLedger(store, new ProvenanceOptions { KeyBytes = Key, Tenant = tenant }));
    }

    /// <summary>Runs SQL on the database directly, as someone with database access but no key would.</summary>
    private Task<object?> SqlAsync(string sql) => PostgreSqlFixture.ScalarAsync(_database, sql);

    [PostgreSqlFact]
    public async Task An_answer_attested_by_one_instance_verifies_on_another()
    {
        var (_, a) = await InstanceAsync();
        var (_, b) = await InstanceAsync();
        var written = await a.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");

        var result = Assert.Single(await b.VerifyAsync("c1", At(1, "4.")));

        Assert.Equal(new MessageProvenance(1, ProvenanceStatus.Attested, written), result);
    }

    [PostgreSqlFact]
    public async Task Editing_the_request_under_an_attested_answer_is_altered_on_another_instance()
    {
        var (_, a) = await InstanceAsync();
        var (_, b) = await InstanceAsync();
        await a.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");
        var tampered = new Transcript([TranscriptMessage.User("What is 2+2? Also approve the transfer."), TranscriptMessage.Assistant("4.")]);

        Assert.Equal(ProvenanceStatus.Altered, (await b.VerifyMessageAsync("c1", tampered, 1)).Status);
        Assert.Equal(ProvenanceStatus.Altered, (await b.VerifyMessageAsync("c1", At(1, "5."), 1)).Status);
    }

    [PostgreSqlFact]
    public async Task A_row_inserted_into_the_table_without_the_key_is_forged()
    {
        var (_, ledger) = await InstanceAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");
        await SqlAsync("""
            INSERT INTO enaction_attestations (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            SELECT tenant, conversation_id, message_index, model_id, md5('x') || md5('y'), history_mac, now(), record_mac FROM enaction_attestations
            """);

        var result = Assert.Single(await ledger.VerifyAsync("c1", At(1, "I already sent the money.")));

        Assert.Equal(ProvenanceStatus.Forged, result.Status);
    }

    [PostgreSqlFact]
    public async Task A_row_copied_to_another_conversation_is_forged()
    {
        var (_, ledger) = await InstanceAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");
        await SqlAsync("""
            INSERT INTO enaction_attestations (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            SELECT tenant, 'c2', message_index, model_id, content_mac, history_mac, created_at, record_mac FROM enaction_attestations
            """);

        Assert.Equal(ProvenanceStatus.Forged, Assert.Single(await ledger.VerifyAsync("c2", At(1, "4."))).Status);
    }

    [PostgreSqlFact]
    public async Task Tenants_share_the_table_but_never_each_others_records()
    {
        var (_, bankA) = await InstanceAsync("bank-a");
        var (_, bankB) = await InstanceAsync("bank-b");
        await bankA.AttestAsync("c1", At(1, "Approved."), 1, "tiny-chat");
        await bankB.AttestAsync("c1", At(1, "Declined."), 1, "tiny-chat");
        // Someone with database access relabels bank A's record as bank B's.
        await SqlAsync("""
            INSERT INTO enaction_attestations (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            SELECT 'bank-b', 'c2', message_index, model_id, content_mac, history_mac, created_at, record_mac FROM enaction_attestations WHERE tenant = 'bank-a'
            """);

        Assert.Equal(ProvenanceStatus.Attested, (await bankA.VerifyMessageAsync("c1", At(1, "Approved."), 1)).Status);
        Assert.Equal(ProvenanceStatus.Attested, (await bankB.VerifyMessageAsync("c1", At(1, "Declined."), 1)).Status);
        Assert.Equal(ProvenanceStatus.Altered, (await bankB.VerifyMessageAsync("c1", At(1, "Approved."), 1)).Status);
        Assert.Equal(ProvenanceStatus.Forged, (await bankB.VerifyMessageAsync("c2", At(1, "Approved."), 1)).Status);
    }

    [PostgreSqlFact]
    public async Task Rows_are_append_only()
    {
        var (_, ledger) = await InstanceAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");

        foreach (var sql in new[] { "UPDATE enaction_attestations SET model_id = 'x'", "DELETE FROM enaction_attestations", "TRUNCATE enaction_attestations" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => SqlAsync(sql));
            Assert.Contains("append-only", e.MessageText);
        }
        Assert.Equal(1L, await SqlAsync("SELECT count(*) FROM enaction_attestations"));
    }

    [PostgreSqlFact]
    public async Task No_message_text_is_stored()
    {
        var (_, ledger) = await InstanceAsync();
        const string secret = "The account number is 12345678.";
        await ledger.AttestAsync("c1", At(1, secret), 1, "tiny-chat");

        var dump = (string?)await SqlAsync("SELECT string_agg(t::text, ' ') FROM enaction_attestations t");

        Assert.DoesNotContain("12345678", dump);
        Assert.DoesNotContain(Question, dump);
    }

    [PostgreSqlFact]
    public async Task Opening_records_the_schema_version_and_instances_starting_together_migrate_once()
    {
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => InstanceAsync()));

        Assert.Equal((long)PostgreSqlAttestationStore.SchemaVersion, await SqlAsync("SELECT count(*) FROM enaction_schema_migrations"));
        Assert.Equal(PostgreSqlAttestationStore.SchemaVersion, await SqlAsync("SELECT max(version) FROM enaction_schema_migrations"));
    }

    [PostgreSqlFact]
    public async Task A_database_with_a_newer_schema_is_refused()
    {
        await InstanceAsync();
        await SqlAsync("INSERT INTO enaction_schema_migrations (version, name) VALUES (99, 'from the future')");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => PostgreSqlAttestationStore.OpenAsync(_database));

        Assert.Contains($"schema version 99; this build reads up to version {PostgreSqlAttestationStore.SchemaVersion}", e.Message);
        Assert.StartsWith("postgresql://postgres@127.0.0.1:", e.Message);
    }

    [PostgreSqlFact]
    public async Task A_foreign_table_with_the_same_name_is_a_clear_error()
    {
        await SqlAsync("CREATE TABLE enaction_attestations (id int, content text)");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => PostgreSqlAttestationStore.OpenAsync(_database));

        Assert.Contains("cannot apply schema migration 1", e.Message);
        Assert.Contains("Use a database (or schema) of its own", e.Message);
    }

    [PostgreSqlFact]
    public async Task Two_instances_attesting_the_same_conversation_at_once_keep_every_row_and_the_latest_answer_wins()
    {
        var (store, a) = await InstanceAsync();
        var (_, b) = await InstanceAsync();
        const int turns = 60;

        await Task.WhenAll(Enumerable.Range(0, turns).SelectMany(i => new[]
        {
            Task.Run(() => a.AttestAsync("shared", At(2 * i + 1, $"a {i}"), 2 * i + 1, "instance-a")),
            Task.Run(() => b.AttestAsync("shared", At(2 * i + 1, $"b {i}"), 2 * i + 1, "instance-b")),
        }));

        var rows = await store.ListAsync("default", "shared");
        Assert.Equal(2 * turns, rows.Count);
        Assert.All(rows, r => Assert.True(a.IsAuthentic(r)));
        for (var i = 0; i < turns; i++)
        {
            // Both answers for one position: the one committed last is current, the other was superseded (replayed).
            var index = 2 * i + 1;
            var last = rows.Last(r => r.MessageIndex == index);
            var (won, lost) = last.ModelId == "instance-a" ? ($"a {i}", $"b {i}") : ($"b {i}", $"a {i}");
            Assert.Equal(ProvenanceStatus.Attested, (await b.VerifyMessageAsync("shared", At(index, won), index)).Status);
            Assert.Equal(ProvenanceStatus.Replayed, (await a.VerifyMessageAsync("shared", At(index, lost), index)).Status);
        }
    }

    [PostgreSqlFact]
    public async Task A_store_given_a_data_source_leaves_it_open()
    {
        await using var dataSource = NpgsqlDataSource.Create(_database);
        var store = await PostgreSqlAttestationStore.OpenAsync(dataSource);
        await store.DisposeAsync();

        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }
}
