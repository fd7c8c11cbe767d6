using Enaction.PostgreSql.Provenance;
using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Enaction.Cli.Fleet;

/// <summary>
/// The store a fleet check runs against: an Npgsql connection string (the fleet's PostgreSQL), or <c>sqlite:PATH</c>
/// for the same check on one host's SQLite file. It can also forge a row the way an attacker with database access
/// and no key would, to see that the fleet reports it.
/// </summary>
internal sealed class FleetStore : IAsyncDisposable
{
    private const string SqlitePrefix = "sqlite:";
    private readonly string _spec;

    private FleetStore(string spec, IAttestationStore store)
    {
        _spec = spec;
        Store = store;
    }

    /// <summary>The opened store.</summary>
    public IAttestationStore Store { get; }

    /// <summary>True for <c>sqlite:PATH</c>.</summary>
    public bool IsSqlite => _spec.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens the store <paramref name="spec"/> names; a server that is down is an <see cref="AttestationStoreException"/>.</summary>
    public static async Task<FleetStore> OpenAsync(string spec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new CliInputException("--store is empty; expected an Npgsql connection string (Host=...;Port=...;Username=...;Database=...) or sqlite:PATH");
        if (spec.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase))
            return new FleetStore(spec, await SqliteAttestationStore.OpenAsync(spec[SqlitePrefix.Length..], cancellationToken).ConfigureAwait(false));
        try
        {
            return new FleetStore(spec, await PostgreSqlAttestationStore.OpenAsync(spec, cancellationToken).ConfigureAwait(false));
        }
        catch (ArgumentException e)
        {
            throw new CliInputException($"--store is not an Npgsql connection string ({e.Message}); expected Host=...;Port=...;Username=...;Database=... or sqlite:PATH");
        }
    }

    /// <summary>
    /// Inserts, straight into the table, a row that claims message <paramref name="messageIndex"/> of a conversation
    /// for other content: the genuine row's fields with a made-up content MAC. Without the key its record MAC cannot be right.
    /// </summary>
    public async Task ForgeAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken)
    {
        if (IsSqlite)
        {
            var path = Path.GetFullPath(_spec[SqlitePrefix.Length..]);
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                PRAGMA busy_timeout = 30000;
                INSERT INTO {SqliteAttestationStore.Table} (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
                SELECT tenant, conversation_id, message_index, model_id, lower(hex(randomblob(32))), history_mac, created_at, record_mac
                FROM {SqliteAttestationStore.Table} WHERE tenant = $t AND conversation_id = $c AND message_index = $i ORDER BY seq DESC LIMIT 1
                """;
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$c", conversationId);
            command.Parameters.AddWithValue("$i", messageIndex);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await using var pg = new NpgsqlConnection(_spec);
        await pg.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand($"""
            INSERT INTO {PostgreSqlAttestationStore.Table} (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            SELECT tenant, conversation_id, message_index, model_id, md5(random()::text) || md5(random()::text), history_mac, created_at, record_mac
            FROM {PostgreSqlAttestationStore.Table} WHERE tenant = $1 AND conversation_id = $2 AND message_index = $3 ORDER BY seq DESC LIMIT 1
            """, pg);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = messageIndex });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable a: await a.DisposeAsync().ConfigureAwait(false); break;
            case IDisposable d: d.Dispose(); break;
        }
    }
}
