using Enaction.Conformal;
using Enaction.Provenance;
using Npgsql;
using NpgsqlTypes;

namespace Enaction.PostgreSql.Provenance;

// The fleet's reservoirs of own-turn scores, one row per model, agent and score space (migration 2). An add locks its
// row (SELECT ... FOR UPDATE after making sure it exists) for the read, the sampling and the write, so instances
// adding at once keep one uniform sample; it is never retried.
public sealed partial class PostgreSqlAttestationStore : IOwnScoreStore
{
    /// <summary>The own-scores table.</summary>
    public const string OwnScoresTable = "enaction_own_scores";

    private static readonly string[] OwnScoresColumns = ["model", "agent", "score_space", "seen", "scores", "updated_at"];

    /// <inheritdoc />
    public Task<OwnScoreReservoir> GetAsync(OwnScoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("read own-turn scores", retryRead: true, async connection =>
        {
            await using var command = KeyCommand(connection, $"SELECT seen, scores FROM {OwnScoresTable} WHERE model = $1 AND agent = $2 AND score_space = $3", key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Reservoir(reader, key) : OwnScoreReservoir.Empty;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<OwnScoreReservoir> AddAsync(OwnScoreKey key, double score, int capacity, ulong seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
        return Run("add an own-turn score", retryRead: false, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var ensure = KeyCommand(connection,
                $"INSERT INTO {OwnScoresTable} (model, agent, score_space, seen, scores, updated_at) VALUES ($1, $2, $3, 0, ''::bytea, now()) ON CONFLICT DO NOTHING", key))
                await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            OwnScoreReservoir before;
            await using (var select = KeyCommand(connection,
                $"SELECT seen, scores FROM {OwnScoresTable} WHERE model = $1 AND agent = $2 AND score_space = $3 FOR UPDATE", key))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    throw new AttestationStoreException(Location, $"the {OwnScoresTable} row of model {key.Model}, agent {key.Agent} vanished while it was being updated");
                before = Reservoir(reader, key);
            }
            var after = ReservoirSampling.Add(before, score, capacity, seed, key);
            await using (var update = KeyCommand(connection,
                $"UPDATE {OwnScoresTable} SET seen = $4, scores = $5, updated_at = now() WHERE model = $1 AND agent = $2 AND score_space = $3", key))
            {
                update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seen });
                update.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = after.ToBytes(), NpgsqlDbType = NpgsqlDbType.Bytea });
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return after;
        }, cancellationToken);
    }

    private NpgsqlCommand KeyCommand(NpgsqlConnection connection, string sql, OwnScoreKey key)
    {
        var command = Command(connection, sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Model });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Agent });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.ScoreSpace });
        return command;
    }

    private OwnScoreReservoir Reservoir(NpgsqlDataReader reader, OwnScoreKey key) =>
        OwnScoreReservoir.FromBytes(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), out var problem)
        ?? throw new AttestationStoreException(Location,
            $"the {OwnScoresTable} row of model {key.Model}, agent {key.Agent} is damaged ({problem}); delete that row to start its reservoir again");
}
