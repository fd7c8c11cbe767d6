namespace Enaction.Policies;

/// <summary>How a <see cref="PolicyStore"/> watches its file.</summary>
public sealed class PolicyStoreOptions
{
    /// <summary>
    /// How long the file must stay quiet after a change before it is read (default 250 ms): editors write in
    /// several steps, and reading mid-save would report a half-written file.
    /// </summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the file is re-read regardless of change notifications (default 5 s), for file systems where
    /// <see cref="FileSystemWatcher"/> misses events (network shares, some container mounts). Zero turns polling off.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether to use a <see cref="FileSystemWatcher"/> as well as polling (default true).</summary>
    public bool UseFileSystemWatcher { get; set; } = true;

    /// <summary>When set, every policy (the first and each reload) must only reference these verifiers and callbacks.</summary>
    public PolicyReferences? References { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Debounce < TimeSpan.Zero)
            throw new ArgumentException($"{nameof(Debounce)} is {Debounce}; expected zero or more.", nameof(Debounce));
        if (PollInterval < TimeSpan.Zero)
            throw new ArgumentException($"{nameof(PollInterval)} is {PollInterval}; expected zero (off) or more.", nameof(PollInterval));
        if (PollInterval == TimeSpan.Zero && !UseFileSystemWatcher)
            throw new ArgumentException(
                $"{nameof(PollInterval)} is zero and {nameof(UseFileSystemWatcher)} is false, so changes would never be seen; enable one.",
                nameof(PollInterval));
    }
}
