using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Enaction.Monitoring;

/// <summary>
/// Appends each turn as one JSON line to <c>turns-yyyyMMdd.jsonl</c> in a directory (one file per UTC day), flushed
/// per record so a crash loses at most the turn being written. A file left without a final newline (a torn last
/// record) is continued on a fresh line, so the torn record never swallows the next one. On Unix, files are created
/// readable and writable by the owner only (0600) and a new directory is 0700: audit records hold whole conversations.
/// </summary>
public sealed class JsonlTurnRecorder : ITurnRecorder, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private string? _file;

    /// <summary>Records into <paramref name="directory"/>, creating it when missing.</summary>
    public JsonlTurnRecorder(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows() || System.IO.Directory.Exists(Directory)) System.IO.Directory.CreateDirectory(Directory);
        else System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The audit directory.</summary>
    public string Directory { get; }

    /// <summary>The file records go to today.</summary>
    public string CurrentFile => System.IO.Path.Combine(Directory,
        "turns-" + _time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture) + ".jsonl");

    /// <inheritdoc/>
    public async ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var line = AuditJson.ToUtf8Bytes(record);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = CurrentFile;
            if (_stream is null || _file != file)
            {
                if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
                _stream = Open(file);
                _file = file;
            }
            try
            {
                await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                _stream.WriteByte((byte)'\n');
                await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Part of the record may be on disk: reopen for the next record, which then starts on a fresh line.
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads the records of one audit file, for replay and tests. A torn line (<see cref="JsonlLines.IsTorn"/>) is
    /// skipped with a warning on <paramref name="logger"/>; any other bad line throws <see cref="JsonException"/>.
    /// </summary>
    public static async IAsyncEnumerable<TurnRecord> ReadAsync(string file, ILogger? logger = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true))
        using (var memory = new MemoryStream())
        {
            await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            bytes = memory.ToArray();
        }
        foreach (var (number, line) in JsonlLines.Split(bytes))
        {
            if (JsonlLines.IsBlank(line.Span)) continue;
            if (JsonlLines.IsTorn(line.Span))
            {
                if (logger is not null) MonitorEvents.AuditLineSkipped(logger, file, number, line.Length);
                continue;
            }
            yield return AuditJson.Read(line.Span)
                ?? throw new JsonException($"{file}:{number}: expected an audit record, found null");
        }
    }

    /// <summary>
    /// Opens <paramref name="file"/> for appending (shared read, so a tail or a replay can read while the monitor
    /// writes), created 0600 on Unix, and starts a fresh line when the file does not end with one.
    /// </summary>
    private static FileStream Open(string file)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var stream = new FileStream(file, options);
        try
        {
            if (stream.Length > 0 && !EndsWithNewline(file))
            {
                stream.WriteByte((byte)'\n');
                stream.Flush();
            }
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static bool EndsWithNewline(string file)
    {
        using var reader = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (reader.Length == 0) return true;
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte() == '\n';
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _stream?.Dispose();
            _stream = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
