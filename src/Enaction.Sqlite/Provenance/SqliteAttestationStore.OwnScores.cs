using System.Globalization;
using Enaction.Conformal;
using Enaction.Provenance;
using Microsoft.Data.Sqlite;

namespace Enaction.Sqlite.Provenance;

// The reservoirs of own-turn scores, beside the ledger in the same file: one row per model, agent and score space.
// The table is its own schema component ('own_scores', version 1), created by the first write, so a ledger made by an
// older build gains it without a migration and a read-only ledger still opens; a present component is checked at open
// as strictly as the ledger's own (version, columns).
public sealed partial class SqliteAttestationStore : IOwnScoreStore
{
    /// <summary>The schema version of the own-scores table this build creates and reads.</summary>
    public const int OwnScoresSchemaVersion = 1;

    /// <summary>The own-scores table.</summary>
    public const string OwnScoresTable = "own_scores";

    internal const string OwnScoresComponent = "own_scores";

    private static readonly string[] OwnScoresColumns = ["model", "agent", "score_space", "seen", "scores", "updated_at"];

    /// <inheritdoc />
    public Task<OwnScoreReservoir> GetAsync(OwnScoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("read own-turn scores", async connection =>
        {
            await CheckLedgerIdAsync(connection, null, cancellationToken).ConfigureAwait(false);
            if (!await CheckOwnScoresSchemaAsync(connection, null, cancellationToken).ConfigureAwait(false)) return OwnScoreReservoir.Empty;
            return await ReadReservoirAsync(connection, null, key, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<OwnScoreReservoir> AddAsync(OwnScoreKey key, double score, int capacity, ulong seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
        var after = await Run("add an own-turn score", async connection =>
        {
            // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): read, sample and write under the write lock, so
            // processes sharing the file keep one reservoir.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await CheckLedgerIdAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (!await CheckOwnScoresSchemaAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
                await CreateOwnScoresSchemaAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var before = await ReadReservoirAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
            var reservoir = ReservoirSampling.Add(before, score, capacity, seed, key);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT INTO {OwnScoresTable} (model, agent, score_space, seen, scores, updated_at)
                VALUES ($model, $agent, $space, $seen, $scores, $updated)
                ON CONFLICT (model, agent, score_space) DO UPDATE SET seen = excluded.seen, scores = excluded.scores, updated_at = excluded.updated_at
                """;
            Bind(command.Parameters, key);
            command.Parameters.AddWithValue("$seen", reservoir.Seen);
            command.Parameters.AddWithValue("$scores", reservoir.ToBytes());
            command.Parameters.AddWithValue("$updated", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return reservoir;
        }, cancellationToken).ConfigureAwait(false);
        CheckFile();
        return after;
    }

    private static void Bind(SqliteParameterCollection parameters, OwnScoreKey key)
    {
        parameters.AddWithValue("$model", key.Model);
        parameters.AddWithValue("$agent", key.Agent);
        parameters.AddWithValue("$space", key.ScoreSpace);
    }

    private async Task<OwnScoreReservoir> ReadReservoirAsync(SqliteConnection connection, SqliteTransaction? transaction, OwnScoreKey key,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT seen, scores FROM {OwnScoresTable} WHERE model = $model AND agent = $agent AND score_space = $space";
        Bind(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return OwnScoreReservoir.Empty;
        // Read without trusting the types: a hand-edited row is reported, never turned into a threshold.
        var seen = reader.GetValue(0) is long l && l >= 0 ? l : -1;
        var bytes = reader.GetValue(1) as byte[];
        var reservoir = seen < 0 || bytes is null ? null : OwnScoreReservoir.FromBytes(seen, bytes, out var problem);
        return reservoir ?? throw new AttestationStoreException(Path,
            $"the {OwnScoresTable} row of model {key.Model}, agent {key.Agent} is damaged " +
            $"({(seen < 0 ? "seen is not a whole number from 0 up" : bytes is null ? "scores is not a blob" : "its scores cannot be read")}); " +
            "delete that row to start its reservoir again");
    }

    /// <summary>
    /// Checks the own-scores component when it is present (version and columns); false when the file has none yet.
    /// A table of that name without its component entry is someone else's table, and an error.
    /// </summary>
    private async Task<bool> CheckOwnScoresSchemaAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        var versions = await ReadStringsAsync(connection, transaction,
            $"SELECT CAST(version AS TEXT) FROM {SchemaTable} WHERE component = '{OwnScoresComponent}'", cancellationToken).ConfigureAwait(false);
        var columns = await ReadStringsAsync(connection, transaction,
            $"SELECT name FROM pragma_table_info('{OwnScoresTable}') ORDER BY cid", cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            if (columns.Count == 0) return false;
            throw new AttestationStoreException(Path,
                $"has a table {OwnScoresTable} that its {SchemaTable} table does not list as component '{OwnScoresComponent}'; " +
                "expected Enaction's own-scores table or none");
        }
        if (versions.Count > 1 || versions[0] != OwnScoresSchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new AttestationStoreException(Path,
                $"holds '{OwnScoresComponent}' schema version {string.Join(", ", versions)}; this build reads schema version {OwnScoresSchemaVersion}");
        if (!columns.SequenceEqual(OwnScoresColumns))
            throw new AttestationStoreException(Path,
                $"table {OwnScoresTable} has columns ({(columns.Count == 0 ? "none: the table is missing" : string.Join(", ", columns))}); " +
                $"expected ({string.Join(", ", OwnScoresColumns)}) for '{OwnScoresComponent}' schema version {OwnScoresSchemaVersion}");
        return true;
    }

    private static async Task CreateOwnScoresSchemaAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            CREATE TABLE {OwnScoresTable} (
                model       TEXT NOT NULL,
                agent       TEXT NOT NULL,
                score_space TEXT NOT NULL,
                seen        INTEGER NOT NULL,
                scores      BLOB NOT NULL,
                updated_at  TEXT NOT NULL,
                PRIMARY KEY (model, agent, score_space));
            INSERT INTO {SchemaTable} (component, version) VALUES ('{OwnScoresComponent}', {OwnScoresSchemaVersion});
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
