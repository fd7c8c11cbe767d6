using System.Net.Sockets;
using Enaction.Provenance;
using Npgsql;
using NpgsqlTypes;

namespace Enaction.PostgreSql.Provenance;

/// <summary>
/// An <see cref="IAttestationStore"/> on a PostgreSQL server, shared by every instance of a fleet: an attestation
/// written by one instance is verified by any other. Opening applies the numbered migrations of
/// <c>enaction_schema_migrations</c> under an advisory lock (so instances starting together migrate once) and refuses
/// a database whose schema is newer than this build. Rows are append-only (triggers refuse UPDATE, DELETE and
/// TRUNCATE), hold MACs and ids but never message text, and are returned exactly as stored so that
/// <c>ProvenanceLedger</c> reports a row inserted or edited without the key as forged. Each write is one
/// statement: it commits whole or not at all. Every failure (server down or unreachable, pool exhausted, statement
/// timed out, connection killed mid-write) surfaces as an <see cref="AttestationStoreException"/> naming the server,
/// never as a verdict; a read on a connection the server dropped is retried once on a fresh connection, a write never.
/// The same database keeps the conformal thresholds' reservoirs of own-turn scores for the whole fleet
/// (<see cref="Enaction.Conformal.IOwnScoreStore"/>, table <c>enaction_own_scores</c>, migration 2).
/// </summary>
public sealed partial class PostgreSqlAttestationStore : IAttestationStore, IDisposable, IAsyncDisposable
{
    /// <summary>The attestations table.</summary>
    public const string Table = "enaction_attestations";

    /// <summary>The table that records which migrations ran.</summary>
    public const string MigrationsTable = "enaction_schema_migrations";

    // An arbitrary constant: the advisory lock every Enaction instance takes while it migrates.
    private const long MigrationLock = 0x456E_6163_7469_6F6E;

    private static readonly string[] Columns =
        ["seq", "tenant", "conversation_id", "message_index", "model_id", "content_mac", "history_mac", "created_at", "record_mac"];

    private const string SelectColumns = "tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly int _commandTimeoutSeconds;

    private PostgreSqlAttestationStore(NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlAttestationStoreOptions options)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _commandTimeoutSeconds = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        Location = Describe(dataSource.ConnectionString);
    }

    /// <summary>The schema version this build creates and reads.</summary>
    public static int SchemaVersion => PostgreSqlMigration.Latest;

    /// <summary>The server and database, as <c>postgresql://user@host:port/database</c> (never the password).</summary>
    public string Location { get; }

    /// <summary>Connects with <paramref name="connectionString"/>, migrates the schema and returns the store.</summary>
    /// <exception cref="AttestationStoreException">The server cannot be reached, or holds a newer or foreign schema.</exception>
    public static Task<PostgreSqlAttestationStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        OpenAsync(new PostgreSqlAttestationStoreOptions { ConnectionString = connectionString }, cancellationToken);

    /// <summary>Connects with <see cref="PostgreSqlAttestationStoreOptions.ConnectionString"/>, migrates the schema and returns the store (which owns its data source).</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    /// <exception cref="AttestationStoreException">The server cannot be reached, or holds a newer or foreign schema.</exception>
    public static async Task<PostgreSqlAttestationStore> OpenAsync(PostgreSqlAttestationStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(needsConnectionString: true);
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(options.ConnectionString!);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"{PostgreSqlAttestationStoreOptions.SectionName}:ConnectionString is not a valid Npgsql connection string ({e.Message}).",
                nameof(options), e);
        }
        return await OpenAsync(dataSource, ownsDataSource: true, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uses <paramref name="dataSource"/> (not disposed with the store), migrates the schema and returns the store.</summary>
    /// <exception cref="AttestationStoreException">The server cannot be reached, or holds a newer or foreign schema.</exception>
    public static Task<PostgreSqlAttestationStore> OpenAsync(
        NpgsqlDataSource dataSource, PostgreSqlAttestationStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PostgreSqlAttestationStoreOptions();
        options.Validate(needsConnectionString: false);
        return OpenAsync(dataSource, ownsDataSource: false, options, cancellationToken);
    }

    private static async Task<PostgreSqlAttestationStore> OpenAsync(
        NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlAttestationStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new PostgreSqlAttestationStore(dataSource, ownsDataSource, options);
        try
        {
            await store.Run("connect and migrate the schema", retryRead: false, store.MigrateAsync, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return store;
    }

    /// <inheritdoc />
    public Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        return Run("add an attestation", retryRead: false, async connection =>
        {
            await using var command = Command(connection, $"""
                INSERT INTO {Table} (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.Tenant });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.ConversationId });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attestation.MessageIndex });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.ModelId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.ContentMac });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.HistoryMac });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attestation.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attestation.RecordMac });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        var rows = await Query("find an attestation",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $1 AND conversation_id = $2 AND message_index = $3 ORDER BY seq DESC LIMIT 1",
            [tenant, conversationId, messageIndex], cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(contentMac);
        return Query("find attestations by content",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $1 AND content_mac = $2 ORDER BY seq", [tenant, contentMac], cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        return Query("list a conversation",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $1 AND conversation_id = $2 ORDER BY seq", [tenant, conversationId], cancellationToken);
    }

    /// <summary>Disposes the data source when the store created it.</summary>
    public void Dispose()
    {
        if (_ownsDataSource) _dataSource.Dispose();
    }

    /// <summary>Disposes the data source when the store created it.</summary>
    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    private Task<IReadOnlyList<Attestation>> Query(string operation, string sql, object[] values, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<Attestation>>(operation, retryRead: true, async connection =>
        {
            await using var command = Command(connection, sql);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<Attestation>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new Attestation(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5), new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero), reader.GetString(7)));
            }
            return rows;
        }, cancellationToken);

    private NpgsqlCommand Command(NpgsqlConnection connection, string sql) =>
        new(sql, connection) { CommandTimeout = _commandTimeoutSeconds };

    private async Task<int> MigrateAsync(NpgsqlConnection connection)
    {
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})").ConfigureAwait(false);
        await ExecuteAsync(connection, $"""
            CREATE TABLE IF NOT EXISTS {MigrationsTable} (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """).ConfigureAwait(false);
        int current;
        await using (var command = Command(connection, $"SELECT coalesce(max(version), 0) FROM {MigrationsTable}"))
            current = Convert.ToInt32(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
            throw new AttestationStoreException(Location,
                $"the database is at Enaction schema version {current}; this build reads up to version {SchemaVersion}. Upgrade this instance");

        foreach (var migration in PostgreSqlMigration.All)
        {
            if (migration.Version <= current) continue;
            try
            {
                await ExecuteAsync(connection, migration.Sql).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateTable || e.SqlState == PostgresErrorCodes.DuplicateFunction)
            {
                throw new AttestationStoreException(Location,
                    $"cannot apply schema migration {migration.Version}: {e.MessageText}; the database holds a table named like Enaction's " +
                    $"that {MigrationsTable} does not account for. Use a database (or schema) of its own for the ledger", e);
            }
            await using var record = Command(connection, $"INSERT INTO {MigrationsTable} (version, name) VALUES ($1, $2)");
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
            await record.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        foreach (var (table, expected) in new[] { (Table, Columns), (OwnScoresTable, OwnScoresColumns) })
        {
            var columns = new List<string>();
            await using (var command = Command(connection,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false)) columns.Add(reader.GetString(0));
            }
            if (!columns.SequenceEqual(expected))
                throw new AttestationStoreException(Location,
                    $"table {table} has columns ({(columns.Count == 0 ? "none: the table is missing" : string.Join(", ", columns))}); " +
                    $"expected ({string.Join(", ", expected)}) for schema version {SchemaVersion}");
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        return current;
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = Command(connection, sql);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<T> Run<T>(string operation, bool retryRead, Func<NpgsqlConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await action(connection).ConfigureAwait(false);
            }
            catch (Exception e) when (Problem(e, cancellationToken) is { } problem)
            {
                // Idle pooled connections die with a server restart; one fresh try tells a dead pool from a dead server.
                if (retryRead && attempt == 0 && e is NpgsqlException { IsTransient: true })
                {
                    _dataSource.Clear();
                    continue;
                }
                throw new AttestationStoreException(Location, $"cannot {operation}: {problem}", e);
            }
        }
    }

    /// <summary>One line for a failure the store reports; null for what passes through (cancellation, the typed exception).</summary>
    private static string? Problem(Exception e, CancellationToken cancellationToken)
    {
        if (e is AttestationStoreException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested)) return null;
        var cause = e.InnerException is SocketException or IOException or TimeoutException && e.InnerException.Message != e.Message
            ? $" ({e.InnerException.Message})" : "";
        return e switch
        {
            PostgresException p when p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow =>
                $"the server ended the connection ({p.SqlState}: {p.MessageText}); the statement did not commit",
            PostgresException p => $"{p.SqlState}: {p.MessageText}",
            NpgsqlException n when n.InnerException is SocketException or IOException || n.Message.StartsWith("Failed to connect", StringComparison.Ordinal) =>
                $"{n.Message}{cause}; is the server running and reachable?",
            NpgsqlException n => n.Message + cause,
            TimeoutException or IOException or SocketException or InvalidOperationException => $"{e.GetType().Name}: {e.Message}",
            _ => null,
        };
    }

    private static string Describe(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var user = string.IsNullOrEmpty(b.Username) ? "" : b.Username + "@";
        return $"postgresql://{user}{b.Host}:{b.Port}/{b.Database ?? b.Username}";
    }
}
