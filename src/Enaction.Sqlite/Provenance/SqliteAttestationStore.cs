using System.Globalization;
using System.Text;
using Enaction.Provenance;
using Microsoft.Data.Sqlite;

namespace Enaction.Sqlite.Provenance;

/// <summary>
/// An <see cref="IAttestationStore"/> in one SQLite file. The file is created with its schema on first use, runs in
/// WAL mode with a busy timeout so several processes on one host can write to it at once, and commits every write
/// in its own transaction with <c>synchronous=FULL</c>. Rows are returned exactly as stored: a row edited without the
/// key is left for <see cref="ProvenanceLedger"/> to report as forged. Every failure surfaces as an
/// <see cref="AttestationStoreException"/> naming the file.
/// </summary>
public sealed class SqliteAttestationStore : IAttestationStore, IDisposable
{
    /// <summary>The schema version this build creates and reads.</summary>
    public const int SchemaVersion = 1;

    internal const string SchemaTable = "enaction_schema";
    internal const string Component = "attestations";
    internal const string Table = "attestations";

    private static readonly string[] Columns =
        ["seq", "conversation_id", "message_index", "model_id", "content_mac", "created_at", "record_mac"];

    private const string SelectColumns = "conversation_id, message_index, model_id, content_mac, created_at, record_mac";

    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    private SqliteAttestationStore(string path, string connectionString, int busyTimeoutMs)
    {
        Path = path;
        _connectionString = connectionString;
        _busyTimeoutMs = busyTimeoutMs;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Opens (or creates) the store at <paramref name="path"/> with default options.</summary>
    /// <exception cref="AttestationStoreException">The file is not a SQLite database, or holds another schema or version.</exception>
    public static Task<SqliteAttestationStore> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        OpenAsync(new SqliteAttestationStoreOptions { Path = path }, cancellationToken);

    /// <summary>Opens (or creates) the store described by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    /// <exception cref="AttestationStoreException">The file is not a SQLite database, or holds another schema or version.</exception>
    public static async Task<SqliteAttestationStore> OpenAsync(SqliteAttestationStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var path = System.IO.Path.GetFullPath(options.Path!);
        await CheckHeaderAsync(path, cancellationToken).ConfigureAwait(false);

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();
        var store = new SqliteAttestationStore(path, connectionString, (int)options.BusyTimeout.TotalMilliseconds);
        await store.Run("open", async connection =>
        {
            await store.EnableWalAsync(connection, cancellationToken).ConfigureAwait(false);
            await store.EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <inheritdoc />
    public Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        return Run("add an attestation", async connection =>
        {
            // BEGIN IMMEDIATE: take the write lock up front, so a busy writer is waited for rather than deadlocked.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT INTO {Table} (conversation_id, message_index, model_id, content_mac, created_at, record_mac)
                VALUES ($conversation, $index, $model, $contentMac, $createdAt, $recordMac)
                """;
            command.Parameters.AddWithValue("$conversation", attestation.ConversationId);
            command.Parameters.AddWithValue("$index", attestation.MessageIndex);
            command.Parameters.AddWithValue("$model", attestation.ModelId);
            command.Parameters.AddWithValue("$contentMac", attestation.ContentMac);
            command.Parameters.AddWithValue("$createdAt", attestation.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$recordMac", attestation.RecordMac);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Attestation?> FindAsync(string conversationId, int messageIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var rows = await Query("find an attestation",
            $"SELECT {SelectColumns} FROM {Table} WHERE conversation_id = $conversation AND message_index = $index ORDER BY seq DESC LIMIT 1",
            p => { p.AddWithValue("$conversation", conversationId); p.AddWithValue("$index", messageIndex); },
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string contentMac, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contentMac);
        return Query("find attestations by content",
            $"SELECT {SelectColumns} FROM {Table} WHERE content_mac = $contentMac ORDER BY seq",
            p => p.AddWithValue("$contentMac", contentMac), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> ListAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return Query("list a conversation",
            $"SELECT {SelectColumns} FROM {Table} WHERE conversation_id = $conversation ORDER BY seq",
            p => p.AddWithValue("$conversation", conversationId), cancellationToken);
    }

    /// <summary>Closes this store's pooled connections to the file (connections of other instances on the same file reopen on demand).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private Task<IReadOnlyList<Attestation>> Query(
        string operation, string sql, Action<SqliteParameterCollection> bind, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<Attestation>>(operation, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            bind(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<Attestation>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(ReadRow(reader));
            return rows;
        }, cancellationToken);

    /// <summary>
    /// Reads a row without trusting its types: a value an attacker changed to the wrong type becomes a field that
    /// fails the record MAC, so the row is reported as forged instead of crashing the read or vanishing.
    /// </summary>
    private static Attestation ReadRow(SqliteDataReader reader)
    {
        static string Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? "";

        var index = reader.GetValue(1) is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : -1;
        var createdAt = DateTimeOffset.TryParseExact(Text(reader, 4), "O", CultureInfo.InvariantCulture,
            DateTimeStyles.RoundtripKind, out var parsed) ? parsed : DateTimeOffset.MinValue;
        return new Attestation(Text(reader, 0), index, Text(reader, 2), Text(reader, 3), createdAt, Text(reader, 5));
    }

    private async Task<T> Run<T>(string operation, Func<SqliteConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = FULL;", cancellationToken).ConfigureAwait(false);
            return await action(connection).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */)
        {
            throw new AttestationStoreException(Path,
                $"cannot {operation}: the file is not a valid SQLite database ({e.Message}); expected an Enaction attestation store", e);
        }
        catch (SqliteException e)
        {
            throw new AttestationStoreException(Path, $"cannot {operation}: {e.Message}", e);
        }
    }

    private static async Task CheckHeaderAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
            throw new AttestationStoreException(path, "is a directory; expected the path of an Enaction attestation store (a SQLite file)");
        if (!File.Exists(path)) return;
        var header = new byte[16];
        int read;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AttestationStoreException(path, $"cannot read the file ({e.Message})", e);
        }
        // An empty file is a new database to SQLite; anything else must start with the SQLite header.
        if (read > 0 && (read < header.Length || !header.AsSpan().SequenceEqual("SQLite format 3\0"u8)))
            throw new AttestationStoreException(path,
                "is not a SQLite database (its header is not \"SQLite format 3\"); expected an Enaction attestation store or a path where one can be created");
    }

    private async Task EnableWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new AttestationStoreException(Path,
                $"cannot switch to WAL journal mode (SQLite reports \"{mode}\"); the store needs a local file system that supports WAL so several processes can write to it");
    }

    private async Task EnsureSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // One immediate transaction: two processes creating the same new file do not both create the schema.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var tables = await ReadStringsAsync(connection, transaction,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", cancellationToken).ConfigureAwait(false);

        if (tables.Count == 0)
        {
            await CreateSchemaAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!tables.Contains(SchemaTable))
            throw new AttestationStoreException(Path,
                $"is a SQLite database but not an Enaction attestation store: it has tables ({string.Join(", ", tables)}) and no " +
                $"{SchemaTable} table; expected tables {SchemaTable} and {Table} (schema version {SchemaVersion})");

        var versions = await ReadStringsAsync(connection, transaction,
            $"SELECT CAST(version AS TEXT) FROM {SchemaTable} WHERE component = '{Component}'", cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
            throw new AttestationStoreException(Path,
                $"has a {SchemaTable} table with no '{Component}' entry; expected '{Component}' at schema version {SchemaVersion}");
        if (versions.Count > 1 || versions[0] != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new AttestationStoreException(Path,
                $"holds '{Component}' schema version {string.Join(", ", versions)}; this build reads schema version {SchemaVersion}");

        var columns = await ReadStringsAsync(connection, transaction,
            $"SELECT name FROM pragma_table_info('{Table}') ORDER BY cid", cancellationToken).ConfigureAwait(false);
        if (!columns.SequenceEqual(Columns))
            throw new AttestationStoreException(Path,
                $"table {Table} has columns ({(columns.Count == 0 ? "none: the table is missing" : string.Join(", ", columns))}); " +
                $"expected ({string.Join(", ", Columns)}) for schema version {SchemaVersion}");
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task CreateSchemaAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            CREATE TABLE {SchemaTable} (
                component TEXT PRIMARY KEY NOT NULL,
                version   INTEGER NOT NULL);
            CREATE TABLE {Table} (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_id TEXT NOT NULL,
                message_index   INTEGER NOT NULL,
                model_id        TEXT NOT NULL,
                content_mac     TEXT NOT NULL,
                created_at      TEXT NOT NULL,
                record_mac      TEXT NOT NULL);
            CREATE INDEX {Table}_by_position ON {Table} (conversation_id, message_index, seq);
            CREATE INDEX {Table}_by_content ON {Table} (content_mac);
            -- Append-only by design. Not a security boundary (anyone with the file can drop these); the record MAC is.
            CREATE TRIGGER {Table}_no_update BEFORE UPDATE ON {Table} BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
            CREATE TRIGGER {Table}_no_delete BEFORE DELETE ON {Table} BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
            INSERT INTO {SchemaTable} (component, version) VALUES ('{Component}', {SchemaVersion});
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string>> ReadStringsAsync(
        SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            values.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        return values;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
