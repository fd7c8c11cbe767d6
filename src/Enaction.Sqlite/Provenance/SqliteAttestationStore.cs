using System.Globalization;
using Enaction.Provenance;
using Microsoft.Data.Sqlite;

namespace Enaction.Sqlite.Provenance;

/// <summary>
/// An <see cref="IAttestationStore"/> in one SQLite file. A path where nothing exists gets a new ledger (created
/// owner read/write only, with its schema and a random ledger id); an empty, foreign or older file is an error, never
/// a fresh ledger. The file runs in WAL mode with a busy timeout so several processes on one host can write to it,
/// and commits every write in its own transaction with <c>synchronous=FULL</c>. Before every operation, and after
/// every write, the store checks that the path still names the file it opened (device and inode on Linux, a non-zero
/// length, the same ledger id): a ledger deleted, replaced or emptied under a running host makes every later call
/// fail with an <see cref="AttestationStoreException"/> (and one <see cref="ProvenanceEvents.StoreLost"/> event), never
/// a silent write into an unlinked file. Rows are returned exactly as stored: a row edited without the key is left for
/// <c>ProvenanceLedger</c> to report as forged. The same file keeps the conformal thresholds' reservoirs of own-turn
/// scores (<see cref="Enaction.Conformal.IOwnScoreStore"/>, table <c>own_scores</c>, its own schema component).
/// </summary>
public sealed partial class SqliteAttestationStore : IAttestationStore, IDisposable
{
    /// <summary>The schema version this build creates and reads.</summary>
    public const int SchemaVersion = 2;

    internal const string SchemaTable = "enaction_schema";
    internal const string IdentityTable = "enaction_ledger";
    internal const string Component = "attestations";
    /// <summary>The attestations table.</summary>
    public const string Table = "attestations";

    private static readonly string[] Columns =
        ["seq", "tenant", "conversation_id", "message_index", "model_id", "content_mac", "history_mac", "created_at", "record_mac"];

    private const string SelectColumns = "tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac";

    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly FileIdentity _identity;
    private readonly SqliteAttestationStoreOptions _options;
    private string? _ledgerId;
    private volatile AttestationStoreException? _lost;

    private SqliteAttestationStore(string path, string connectionString, SqliteAttestationStoreOptions options, FileIdentity identity)
    {
        Path = path;
        _connectionString = connectionString;
        _busyTimeoutMs = (int)options.BusyTimeout.TotalMilliseconds;
        _options = options;
        _identity = identity;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>The random id written into the file when the ledger was created; a file with another id is another ledger.</summary>
    public string LedgerId => _ledgerId ?? "";

    /// <summary>Opens (or, where nothing exists at <paramref name="path"/>, creates) the store with default options.</summary>
    /// <exception cref="AttestationStoreException">The file is empty, not a SQLite database, or holds another schema or version.</exception>
    public static Task<SqliteAttestationStore> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        OpenAsync(new SqliteAttestationStoreOptions { Path = path }, cancellationToken);

    /// <summary>Opens (or, where nothing exists at the path, creates) the store described by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    /// <exception cref="AttestationStoreException">The file is empty, not a SQLite database, or holds another schema or version.</exception>
    public static async Task<SqliteAttestationStore> OpenAsync(SqliteAttestationStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var path = System.IO.Path.GetFullPath(options.Path!);
        if (Directory.Exists(path))
            throw new AttestationStoreException(path, "is a directory; expected the path of an Enaction attestation store (a SQLite file)");
        var created = !File.Exists(path) && await CreateAsync(path, cancellationToken).ConfigureAwait(false);
        await CheckHeaderAsync(path, cancellationToken).ConfigureAwait(false);
        var identity = FileIdentity.Of(path)
            ?? throw new AttestationStoreException(path, "disappeared while it was being opened; expected the ledger file to stay in place");

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            // Never Create: a file that vanished between the checks above and this open must not become a new ledger.
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();
        var store = new SqliteAttestationStore(path, connectionString, options, identity);
        await store.Run("open", async connection =>
        {
            await store.EnableWalAsync(connection, cancellationToken).ConfigureAwait(false);
            store._ledgerId = await store.CheckSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            await store.CheckOwnScoresSchemaAsync(connection, null, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        if (created && options.Logger is { } logger) ProvenanceEvents.StoreCreated(logger, path, store.LedgerId);
        return store;
    }

    /// <inheritdoc />
    public async Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        await Run("add an attestation", async connection =>
        {
            // Microsoft.Data.Sqlite begins IMMEDIATE: the write lock is taken up front, so a busy writer is waited for rather than deadlocked.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await CheckLedgerIdAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT INTO {Table} (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
                VALUES ($tenant, $conversation, $index, $model, $contentMac, $historyMac, $createdAt, $recordMac)
                """;
            command.Parameters.AddWithValue("$tenant", attestation.Tenant);
            command.Parameters.AddWithValue("$conversation", attestation.ConversationId);
            command.Parameters.AddWithValue("$index", attestation.MessageIndex);
            command.Parameters.AddWithValue("$model", attestation.ModelId);
            command.Parameters.AddWithValue("$contentMac", attestation.ContentMac);
            command.Parameters.AddWithValue("$historyMac", attestation.HistoryMac);
            command.Parameters.AddWithValue("$createdAt", attestation.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$recordMac", attestation.RecordMac);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        // A file deleted or replaced between the check and the commit took this row with it: say so now.
        CheckFile();
    }

    /// <inheritdoc />
    public async Task<Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        var rows = await Query("find an attestation",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $tenant AND conversation_id = $conversation AND message_index = $index ORDER BY seq DESC LIMIT 1",
            p => { p.AddWithValue("$tenant", tenant); p.AddWithValue("$conversation", conversationId); p.AddWithValue("$index", messageIndex); },
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(contentMac);
        return Query("find attestations by content",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $tenant AND content_mac = $contentMac ORDER BY seq",
            p => { p.AddWithValue("$tenant", tenant); p.AddWithValue("$contentMac", contentMac); }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        return Query("list a conversation",
            $"SELECT {SelectColumns} FROM {Table} WHERE tenant = $tenant AND conversation_id = $conversation ORDER BY seq",
            p => { p.AddWithValue("$tenant", tenant); p.AddWithValue("$conversation", conversationId); }, cancellationToken);
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
            await CheckLedgerIdAsync(connection, null, cancellationToken).ConfigureAwait(false);
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

        var index = reader.GetValue(2) is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : -1;
        var createdAt = DateTimeOffset.TryParseExact(Text(reader, 6), "O", CultureInfo.InvariantCulture,
            DateTimeStyles.RoundtripKind, out var parsed) ? parsed : DateTimeOffset.MinValue;
        return new Attestation(Text(reader, 0), Text(reader, 1), index, Text(reader, 3), Text(reader, 4), Text(reader, 5), createdAt, Text(reader, 7));
    }

    private async Task<T> Run<T>(string operation, Func<SqliteConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        CheckFile();
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
        catch (SqliteException e) when (e.SqliteErrorCode is 8 /* SQLITE_READONLY */)
        {
            throw new AttestationStoreException(Path,
                $"cannot {operation}: the ledger is read-only ({e.Message}); the monitor needs write access to the file and its folder (for the -wal and -shm files)", e);
        }
        catch (SqliteException e)
        {
            throw new AttestationStoreException(Path, $"cannot {operation}: {e.Message}", e);
        }
    }

    /// <summary>Fails, for good, when the path no longer names the file this store opened.</summary>
    private void CheckFile()
    {
        if (_lost is { } lost) throw lost;
        var now = FileIdentity.Of(Path);
        if (now is null)
            Lose("the ledger file was deleted while the store was open; writes would go to an unlinked file. Restore the file, or restart the host to start a new ledger");
        else if (FileIdentity.HasInodes && !now.Value.IsSameFile(_identity))
            Lose("the ledger file was replaced by another file while the store was open; restart the host to open the file now at the path");
        else if (now.Value.Length == 0)
            Lose("the ledger file was emptied (0 bytes) while the store was open; every earlier attestation in it is gone");
    }

    private async Task CheckLedgerIdAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        if (_ledgerId is null) return;
        var ids = await ReadStringsAsync(connection, transaction, $"SELECT ledger_id FROM {IdentityTable}", cancellationToken).ConfigureAwait(false);
        if (ids.Count != 1 || ids[0] != _ledgerId)
            Lose($"the ledger file now holds another ledger (id {(ids.Count == 1 ? ids[0] : "none")}, opened as {_ledgerId}); it was overwritten while the store was open");
    }

    private void Lose(string problem)
    {
        var lost = new AttestationStoreException(Path, problem);
        if (Interlocked.CompareExchange(ref _lost, lost, null) is null && _options.Logger is { } logger)
            ProvenanceEvents.StoreLost(logger, Path, problem);
        throw _lost!;
    }

    /// <summary>
    /// Creates a new ledger where nothing exists: built under a temporary name (owner read/write only; SQLite gives the
    /// -wal and -shm files the database's permissions) and linked into place only if the path is still free, so two
    /// processes creating it at once end with one ledger and nobody ever sees a half-made file.
    /// </summary>
    /// <returns>True when this call's ledger is the one now at the path; false when another process's won.</returns>
    private static async Task<bool> CreateAsync(string path, CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.new");
        try
        {
            Directory.CreateDirectory(folder);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using (new FileStream(temp, create)) { }

            var builder = new SqliteConnectionStringBuilder { DataSource = temp, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
            await using (var connection = new SqliteConnection(builder.ToString()))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
                await CreateSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created the ledger first: use theirs.
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new AttestationStoreException(path, $"cannot create a new ledger here ({e.Message}); expected a writable folder", e);
        }
        finally
        {
            foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm" })
            {
                try { File.Delete(leftover); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static async Task CheckHeaderAsync(string path, CancellationToken cancellationToken)
    {
        var header = new byte[16];
        int read;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new AttestationStoreException(path, "disappeared while it was being opened; expected the ledger file to stay in place", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AttestationStoreException(path, $"cannot read the file ({e.Message})", e);
        }
        // SQLite would take an empty file for a new database: for a ledger that means every earlier attestation is gone.
        if (read == 0)
            throw new AttestationStoreException(path,
                "is empty (0 bytes), not a ledger: a truncated ledger loses every attestation. Restore it from a backup, or remove the file to start a new ledger");
        if (read < header.Length || !header.AsSpan().SequenceEqual("SQLite format 3\0"u8))
            throw new AttestationStoreException(path,
                "is not a SQLite database (its header is not \"SQLite format 3\"); expected an Enaction attestation store, or a path where nothing exists yet");
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

    /// <summary>Checks that the file is an Enaction ledger of this schema version and returns its ledger id.</summary>
    private async Task<string> CheckSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var tables = await ReadStringsAsync(connection, null,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", cancellationToken).ConfigureAwait(false);
        if (tables.Count == 0)
            throw new AttestationStoreException(Path,
                "is an empty SQLite database, not a ledger (no tables); expected an Enaction attestation store, or a path where nothing exists yet");
        if (!tables.Contains(SchemaTable))
            throw new AttestationStoreException(Path,
                $"is a SQLite database but not an Enaction attestation store: it has tables ({string.Join(", ", tables)}) and no " +
                $"{SchemaTable} table; expected tables {SchemaTable}, {IdentityTable} and {Table} (schema version {SchemaVersion})");

        var versions = await ReadStringsAsync(connection, null,
            $"SELECT CAST(version AS TEXT) FROM {SchemaTable} WHERE component = '{Component}'", cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
            throw new AttestationStoreException(Path,
                $"has a {SchemaTable} table with no '{Component}' entry; expected '{Component}' at schema version {SchemaVersion}");
        if (versions is ["1"])
            throw new AttestationStoreException(Path,
                $"holds '{Component}' schema version 1, whose records bind neither the history they answered nor a tenant; this build reads " +
                $"schema version {SchemaVersion}. Keep the file for audit and point the ledger at a new path");
        if (versions.Count > 1 || versions[0] != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new AttestationStoreException(Path,
                $"holds '{Component}' schema version {string.Join(", ", versions)}; this build reads schema version {SchemaVersion}");

        var columns = await ReadStringsAsync(connection, null,
            $"SELECT name FROM pragma_table_info('{Table}') ORDER BY cid", cancellationToken).ConfigureAwait(false);
        if (!columns.SequenceEqual(Columns))
            throw new AttestationStoreException(Path,
                $"table {Table} has columns ({(columns.Count == 0 ? "none: the table is missing" : string.Join(", ", columns))}); " +
                $"expected ({string.Join(", ", Columns)}) for schema version {SchemaVersion}");

        var ids = tables.Contains(IdentityTable)
            ? await ReadStringsAsync(connection, null, $"SELECT ledger_id FROM {IdentityTable}", cancellationToken).ConfigureAwait(false)
            : [];
        if (ids.Count != 1 || ids[0].Length == 0)
            throw new AttestationStoreException(Path,
                $"has {ids.Count} ledger identity rows in {IdentityTable}; expected exactly one (the id written when the ledger was created)");
        return ids[0];
    }

    private static async Task CreateSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            CREATE TABLE {SchemaTable} (
                component TEXT PRIMARY KEY NOT NULL,
                version   INTEGER NOT NULL);
            CREATE TABLE {IdentityTable} (
                ledger_id  TEXT NOT NULL,
                created_at TEXT NOT NULL);
            CREATE TABLE {Table} (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant          TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                message_index   INTEGER NOT NULL,
                model_id        TEXT NOT NULL,
                content_mac     TEXT NOT NULL,
                history_mac     TEXT NOT NULL,
                created_at      TEXT NOT NULL,
                record_mac      TEXT NOT NULL);
            CREATE INDEX {Table}_by_position ON {Table} (tenant, conversation_id, message_index, seq);
            CREATE INDEX {Table}_by_content ON {Table} (tenant, content_mac);
            -- Append-only by design. Not a security boundary (anyone with the file can drop these); the record MAC is.
            CREATE TRIGGER {Table}_no_update BEFORE UPDATE ON {Table} BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
            CREATE TRIGGER {Table}_no_delete BEFORE DELETE ON {Table} BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
            CREATE TRIGGER {IdentityTable}_no_update BEFORE UPDATE ON {IdentityTable} BEGIN SELECT RAISE(ABORT, 'the ledger id never changes'); END;
            CREATE TRIGGER {IdentityTable}_no_delete BEFORE DELETE ON {IdentityTable} BEGIN SELECT RAISE(ABORT, 'the ledger id never changes'); END;
            INSERT INTO {SchemaTable} (component, version) VALUES ('{Component}', {SchemaVersion});
            INSERT INTO {IdentityTable} (ledger_id, created_at) VALUES ($id, $createdAt);
            """;
        command.Parameters.AddWithValue("$id", Guid.NewGuid().ToString("N"));
        command.Parameters.AddWithValue("$createdAt", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string>> ReadStringsAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            values.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? "");
        return values;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
