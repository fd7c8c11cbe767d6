namespace Enaction.PostgreSql.Provenance;

/// <summary>How <see cref="PostgreSqlAttestationStore"/> talks to its server.</summary>
public sealed class PostgreSqlAttestationStoreOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Enaction:Provenance:PostgreSql";

    /// <summary>
    /// An Npgsql connection string (<c>Host=...;Port=...;Username=...;Database=...</c>), used when no
    /// <c>NpgsqlDataSource</c> is given. Setting <c>Enaction:Provenance:PostgreSql:ConnectionString</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long one statement may run before it fails (30 seconds by default). A write that times out is reported as
    /// failed, never retried silently. Setting <c>Enaction:Provenance:PostgreSql:CommandTimeout</c>.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate(bool needsConnectionString)
    {
        if (needsConnectionString && string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException(
                $"{SectionName}:ConnectionString is not set; expected an Npgsql connection string such as Host=db;Port=5432;Username=enaction;Database=enaction.",
                nameof(ConnectionString));
        if (CommandTimeout < TimeSpan.FromSeconds(1) || CommandTimeout.TotalSeconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout,
                $"{SectionName}:CommandTimeout must be at least 1 second.");
    }
}
