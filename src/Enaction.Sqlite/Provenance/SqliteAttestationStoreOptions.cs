using Microsoft.Extensions.Logging;

namespace Enaction.Sqlite.Provenance;

/// <summary>Where and how <see cref="SqliteAttestationStore"/> keeps attestations.</summary>
public sealed class SqliteAttestationStoreOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Enaction:Provenance:Sqlite";

    /// <summary>
    /// The database file. Created (owner read/write only) with its schema when nothing exists at the path; an empty or
    /// foreign file there is an error, never a new ledger. Setting <c>Enaction:Provenance:Sqlite:Path</c>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// How long a write waits for another process's write to finish before failing; 30 seconds by default.
    /// Setting <c>Enaction:Provenance:Sqlite:BusyTimeout</c>.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives the store's events (a ledger file deleted, replaced or emptied under the host); optional.</summary>
    public ILogger? Logger { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException($"{SectionName}:Path is not set; expected the path of the ledger's SQLite file.", nameof(Path));
        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout,
                $"{SectionName}:BusyTimeout must be more than 0 and at most {TimeSpan.FromMilliseconds(int.MaxValue)}.");
    }
}
