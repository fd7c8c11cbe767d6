using System.Diagnostics;
using System.Security.Cryptography;
using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using static Enaction.Tests.LedgerTranscripts;

namespace Enaction.Sqlite.Tests.Provenance;

/// <summary>The ledger file under a running host: deleted, replaced, emptied, overwritten, read-only; and how it is created.</summary>
public sealed class LedgerFileTests : IDisposable
{
    private static readonly ProvenanceOptions Options = new() { KeyBytes = RandomNumberGenerator.GetBytes(32) };
    private readonly TempDirectory _dir = new();
    private readonly string _path;
    private readonly EventLog _events = new();

    public LedgerFileTests() => _path = _dir.File("ledger.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private async Task<(SqliteAttestationStore Store, ProvenanceLedger Ledger)> OpenAsync(string? path = null)
    {
        var store = await SqliteAttestationStore.OpenAsync(new SqliteAttestationStoreOptions { Path = path ?? _path, Logger = _events });
        return (store, new ProvenanceLedger(store, Options));
    }

    [Fact]
    public async Task A_zero_length_file_is_an_error_never_a_new_ledger()
    {
        await File.WriteAllBytesAsync(_path, []);

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.StartsWith(_path + ": is empty (0 bytes), not a ledger", e.Message);
        Assert.Equal(0, new FileInfo(_path).Length);
    }

    [Fact]
    public async Task An_empty_sqlite_database_is_an_error_never_a_new_ledger()
    {
        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 1";
            await command.ExecuteNonQueryAsync();
        }

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Contains("is an empty SQLite database, not a ledger", e.Message);
    }

    [Fact]
    public async Task Deleting_the_file_under_a_running_store_fails_every_later_call_and_is_reported_once()
    {
        var (store, ledger) = await OpenAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        File.Delete(_path);
        var write = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.AttestAsync("c1", At(3, "8."), 3, "tiny-lm"));
        var read = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.VerifyAsync("c1", At(1, "4.")));

        Assert.Contains("the ledger file was deleted while the store was open", write.Message);
        Assert.NotNull(write.Unwritten);
        Assert.Contains("the ledger file was deleted while the store was open", read.Message);
        Assert.False(File.Exists(_path));
        Assert.Single(_events.Entries, e => e.Id == ProvenanceEvents.StoreLostId);
        store.Dispose();
    }

    [Fact]
    public async Task A_file_renamed_over_the_ledger_is_detected_before_the_next_write()
    {
        var (store, ledger) = await OpenAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        var other = _dir.File("other.db");
        (await SqliteAttestationStore.OpenAsync(other)).Dispose();
        SqliteConnection.ClearAllPools();

        File.Move(other, _path, overwrite: true);
        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.AttestAsync("c1", At(3, "8."), 3, "tiny-lm"));

        Assert.Contains("replaced by another file", e.Message);
        store.Dispose();
    }

    [Fact]
    public async Task A_file_emptied_under_a_running_store_is_detected()
    {
        var (store, ledger) = await OpenAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        await using (new FileStream(_path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite)) { }
        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.VerifyAsync("c1", At(1, "4.")));

        Assert.Contains("emptied (0 bytes)", e.Message);
        store.Dispose();
    }

    [Fact]
    public async Task Another_ledger_copied_over_the_file_in_place_is_detected_by_its_ledger_id()
    {
        var (store, ledger) = await OpenAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        var other = _dir.File("other.db");
        (await SqliteAttestationStore.OpenAsync(other)).Dispose();
        SqliteConnection.ClearAllPools();

        // Same inode, other bytes: what `cp other.db ledger.db` does.
        await using (var target = new FileStream(_path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        await using (var source = File.OpenRead(other))
            await source.CopyToAsync(target);
        File.Delete(_path + "-wal");
        File.Delete(_path + "-shm");
        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.AttestAsync("c1", At(3, "8."), 3, "tiny-lm"));

        Assert.Contains("now holds another ledger", e.Message);
        store.Dispose();
    }

    [Fact]
    public async Task A_path_where_nothing_exists_gets_a_new_ledger_and_says_so()
    {
        var path = Path.Combine(_dir.Path, "sub", "folder", "ledger.db");

        var (store, _) = await OpenAsync(path);

        Assert.True(File.Exists(path));
        Assert.Single(_events.Entries, e => e.Id == ProvenanceEvents.StoreCreatedId);
        Assert.Equal(32, store.LedgerId.Length);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.db*"), f => f.EndsWith("ledger.db", StringComparison.Ordinal));
        store.Dispose();
    }

    [Fact]
    public async Task The_ledger_and_its_wal_and_shm_files_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var (store, ledger) = await OpenAsync();
        // A connection of our own keeps the -wal and -shm files alive: other tests clear every pool in the process,
        // and SQLite removes both files when the last connection closes.
        await using var held = new SqliteConnection($"Data Source={_path};Pooling=False");
        await held.OpenAsync();
        await using (var read = held.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM attestations";
            await read.ExecuteScalarAsync();
        }
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            Assert.True(File.Exists(file), $"{file} should exist while the store is open");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        store.Dispose();
    }

    [Fact]
    public async Task A_ledger_the_process_cannot_write_fails_with_one_typed_line()
    {
        if (!OperatingSystem.IsLinux()) return;
        (await SqliteAttestationStore.OpenAsync(_path)).Dispose();
        SqliteConnection.ClearAllPools();
        // Readable by everyone, writable by nobody but the owner; as root (which ignores modes) the writer runs as `nobody`.
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var asRoot = Environment.UserName == "root";
        if (asRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser")) return;
        if (!asRoot) File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exitCode, stderr) = await RunWriterAsync(asRoot);

        Assert.Equal(3, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"AttestationStoreException: {_path}: cannot ", line);
    }

    private async Task<(int ExitCode, string Stderr)> RunWriterAsync(bool asNobody)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(asNobody ? "runuser" : host) { RedirectStandardError = true, UseShellExecute = false };
        if (asNobody) foreach (var arg in new[] { "-u", "nobody", "--", host }) info.ArgumentList.Add(arg);
        foreach (var arg in new[] { "exec", typeof(WriterProcess).Assembly.Location, "attest", _path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), "c1", "1", "1" })
            info.ArgumentList.Add(arg);
        // The runtime writes nothing to HOME for a plain `dotnet exec`, but a HOME nobody can write would fail loudly.
        info.Environment["HOME"] = Path.GetTempPath();
        info.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stderr);
    }

    private sealed class EventLog : ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(int Id, string Message)> Entries { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
