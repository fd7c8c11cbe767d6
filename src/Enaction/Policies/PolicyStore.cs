using System.Security.Cryptography;

namespace Enaction.Policies;

/// <summary>
/// Holds the policy from one file and reloads it when the file changes. A valid change is swapped in atomically
/// (<see cref="PolicyReloaded"/>); an invalid one is reported (<see cref="PolicyRejected"/>) and the last good
/// policy stays in force. Changes are seen through a <see cref="FileSystemWatcher"/> and, as a fallback, by
/// re-reading the file every <see cref="PolicyStoreOptions.PollInterval"/>; the content is hashed, so a file
/// touched without changing is not reloaded and the same bad content is reported once.
/// </summary>
/// <remarks>
/// Events are raised on a thread-pool thread, one at a time, in the order the changes were applied; handlers
/// should be quick. An exception thrown by a handler is caught so that it cannot stop the watching.
/// </remarks>
public sealed class PolicyStore : IDisposable
{
    private readonly PolicyStoreOptions _options;
    private readonly Lock _reloadLock = new();
    private readonly Timer _debounce;
    private readonly Timer? _poll;
    private readonly FileSystemWatcher? _watcher;
    private PolicyEngine _engine;
    private string _lastSeen;
    private volatile bool _disposed;

    /// <summary>Loads <paramref name="path"/> and starts watching it.</summary>
    /// <exception cref="PolicyValidationException">The file is missing or invalid now.</exception>
    public PolicyStore(string path, PolicyStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        _options = options ?? new PolicyStoreOptions();
        _options.Validate();
        Path = path;
        var (bytes, hash) = Read(path);
        _engine = new PolicyEngine(PolicyLoader.Parse(PolicyLoader.Decode(bytes, path), path, _options.References));
        _lastSeen = hash;

        _debounce = new Timer(_ => OnTimer(), null, Timeout.Infinite, Timeout.Infinite);
        if (_options.PollInterval > TimeSpan.Zero)
            _poll = new Timer(_ => OnTimer(), null, _options.PollInterval, _options.PollInterval);
        if (_options.UseFileSystemWatcher)
            _watcher = TryWatch(path);
    }

    /// <summary>The watched file, as given.</summary>
    public string Path { get; }

    /// <summary>The policy in force. Safe to read from any thread.</summary>
    public Policy Current => Volatile.Read(ref _engine).Policy;

    /// <summary>An engine for the policy in force. Safe to read from any thread; take it once per decision.</summary>
    public PolicyEngine Engine => Volatile.Read(ref _engine);

    /// <summary>Raised when a changed file was valid and its policy is now in force.</summary>
    public event EventHandler<PolicyReloadedEventArgs>? PolicyReloaded;

    /// <summary>Raised when a changed file was invalid or unreadable; <see cref="Current"/> is unchanged.</summary>
    public event EventHandler<PolicyRejectedEventArgs>? PolicyRejected;

    /// <summary>
    /// Reads the file now. Returns true when a new policy was swapped in; false when the content is unchanged or
    /// was rejected (and <see cref="PolicyRejected"/> raised).
    /// </summary>
    public bool Reload()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_reloadLock)
        {
            byte[] bytes;
            string hash;
            try
            {
                (bytes, hash) = Read(Path);
            }
            catch (PolicyValidationException e)
            {
                // Unreadable (mid-rename, deleted): report once per distinct failure, keep the policy.
                var marker = "unreadable:" + e.Problem;
                if (marker == _lastSeen) return false;
                _lastSeen = marker;
                Raise(PolicyRejected, new PolicyRejectedEventArgs(e, Current));
                return false;
            }
            if (hash == _lastSeen) return false;
            _lastSeen = hash;

            Policy next;
            try
            {
                next = PolicyLoader.Parse(PolicyLoader.Decode(bytes, Path), Path, _options.References);
            }
            catch (PolicyValidationException e)
            {
                Raise(PolicyRejected, new PolicyRejectedEventArgs(e, Current));
                return false;
            }
#pragma warning disable CA1031 // Reload runs on a timer thread: anything escaping it would end the host's process.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // The loader turns every problem it knows into a PolicyValidationException; anything else is a loader
                // bug, but it is still a file that cannot be used, and the last good policy stays.
                var rejection = new PolicyValidationException(Path, null, null, $"cannot be used ({e.GetType().Name}: {e.Message})", e);
                Raise(PolicyRejected, new PolicyRejectedEventArgs(rejection, Current));
                return false;
            }
            var previous = Interlocked.Exchange(ref _engine, new PolicyEngine(next)).Policy;
            Raise(PolicyReloaded, new PolicyReloadedEventArgs(Path, previous, next));
            return true;
        }
    }

    /// <summary>Stops watching. <see cref="Current"/> stays readable.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _watcher?.Dispose();
        _poll?.Dispose();
        _debounce.Dispose();
    }

    private static (byte[] Bytes, string Hash) Read(string path)
    {
        var bytes = PolicyLoader.ReadBytesAsync(path, CancellationToken.None).GetAwaiter().GetResult();
        return (bytes, Convert.ToHexString(SHA256.HashData(bytes)));
    }

    private FileSystemWatcher? TryWatch(string path)
    {
        try
        {
            var full = System.IO.Path.GetFullPath(path);
            var watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(full)!, System.IO.Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => OnChange();
            watcher.Created += (_, _) => OnChange();
            watcher.Renamed += (_, _) => OnChange();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // Watcher limits exhausted or an unsupported file system: polling still sees changes.
            return null;
        }
    }

    private void OnChange()
    {
        if (_disposed) return;
        try
        {
            _debounce.Change(_options.Debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void OnTimer()
    {
        if (_disposed) return;
        try
        {
            Reload();
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // This runs on a timer thread: an exception escaping it would end the host's process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var rejection = new PolicyValidationException(Path, null, null, $"cannot be reloaded ({e.GetType().Name}: {e.Message})", e);
            Raise(PolicyRejected, new PolicyRejectedEventArgs(rejection, Current));
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null) return;
        foreach (var single in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                single(this, args);
            }
#pragma warning disable CA1031 // A host's handler must not be able to stop reloading.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
