using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Enaction.Monitoring;

/// <summary>
/// Appends each turn as one JSON line to <c>turns-yyyyMMdd.jsonl</c> in a directory (one file per UTC day), flushed
/// per record so a crash loses at most the turn being written.
/// </summary>
public sealed class JsonlTurnRecorder : ITurnRecorder, IDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private string? _file;

    /// <summary>Records into <paramref name="directory"/>, creating it when missing.</summary>
    public JsonlTurnRecorder(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
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
        var line = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = CurrentFile;
            if (_stream is null || _file != file)
            {
                if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
                // Shared read so a tail or a replay can read while the monitor writes.
                _stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read);
                _file = file;
            }
            await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            _stream.WriteByte((byte)'\n');
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the records of one audit file, for replay and tests.</summary>
    public static async IAsyncEnumerable<TurnRecord> ReadAsync(string file,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            yield return JsonSerializer.Deserialize<TurnRecord>(line, Json)!;
        }
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
