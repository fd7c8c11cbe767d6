namespace Enaction.Files;

/// <summary>
/// Writes one or several output files all or nothing: each is written to a temporary file in its own folder, and
/// only when every one is complete are they renamed over their targets, so a failure (a full disk, a cancelled run,
/// a bad input found late) never leaves half a file or one file of a pair. Dispose without <see cref="Commit"/> and
/// the temporary files are removed. A target under <c>/dev</c> or <c>/proc</c> (<c>/dev/stdout</c>, <c>/dev/null</c>)
/// is written in place: renaming over a device would replace it.
/// </summary>
public sealed class OutputFiles : IAsyncDisposable, IDisposable
{
    private readonly List<(string Temp, string Target)> _staged = [];
    private bool _committed;

    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be written: its folder exists and takes a new
    /// file, and the path is not a folder.
    /// </summary>
    /// <exception cref="IOException">The path cannot be written; the message names it and says why.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the file may not be written.</exception>
    public static void EnsureWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Checked(path);
        if (IsSpecial(full))
        {
            using (File.OpenHandle(full, FileMode.Open, FileAccess.Write)) { }
            return;
        }
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{full}: the folder {folder} does not exist");
        if (File.Exists(full)) using (File.OpenHandle(full, FileMode.Open, FileAccess.Write)) { }
        // The temporary file is made beside the target, so the folder itself must take a new file.
        var probe = TempName(full);
        using (File.OpenHandle(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.DeleteOnClose)) { }
    }

    /// <summary>Writes one file all or nothing.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        await using var outputs = new OutputFiles();
        await outputs.AddAsync(path, write, cancellationToken).ConfigureAwait(false);
        outputs.Commit();
    }

    /// <summary>Writes <paramref name="path"/>'s content to a temporary file now; it replaces the target at <see cref="Commit"/>.</summary>
    public async Task AddAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        ObjectDisposedException.ThrowIf(_committed, this);
        var full = Checked(path);
        if (IsSpecial(full))
        {
            await using var device = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, useAsync: false);
            await write(device, cancellationToken).ConfigureAwait(false);
            await device.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var temp = TempName(full);
        _staged.Add((temp, full));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        await using var stream = new FileStream(temp, options);
        await write(stream, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        // On disk before the rename, so a crash after it cannot leave an empty file under the target's name.
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Renames every staged file over its target.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        foreach (var (temp, target) in _staged) File.Move(temp, target, overwrite: true);
        _committed = true;
        _staged.Clear();
    }

    /// <summary>Removes the temporary files of an uncommitted set.</summary>
    public void Dispose()
    {
        foreach (var (temp, _) in _staged)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: the temporary name starts with a dot and says what it was for.
            }
        }
        _staged.Clear();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Checked(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"{full}: is a folder; expected a file name");
        if (InSystemFolder(full) && !File.Exists(full))
            throw new IOException($"{full}: no such device; under /dev and /proc only existing files can be written");
        return full;
    }

    private static bool InSystemFolder(string full) =>
        !OperatingSystem.IsWindows() && (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal));

    private static string TempName(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");

    /// <summary>Devices and process files (<c>/dev/stdout</c>, <c>/dev/null</c>, <c>/proc/self/fd/1</c>): never renamed over.</summary>
    private static bool IsSpecial(string full) => InSystemFolder(full) && File.Exists(full);
}
