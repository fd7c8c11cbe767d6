using Enaction.Scoring;

namespace Enaction.Extensions.AI;

/// <summary>
/// The <c>Enaction</c> configuration section. Validated at start-up (<c>ValidateOnStart</c>); messages name the
/// setting and the accepted values.
/// </summary>
public sealed class EnactionOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Enaction";

    /// <summary><c>Enaction:PolicyFile</c>: the YAML policy; reloaded when it changes. Required.</summary>
    public string? PolicyFile { get; set; }

    /// <summary><c>Enaction:CalibrationFile</c>: thresholds from <c>enaction calibrate</c> for this model; optional.</summary>
    public string? CalibrationFile { get; set; }

    /// <summary>
    /// <c>Enaction:SurrogateCalibrationFile</c>: thresholds fitted for the scoring model as a surrogate of another
    /// generator (<c>enaction calibrate --surrogate-for ID</c>); used only under a policy that says <c>surrogate: judge</c>.
    /// </summary>
    public string? SurrogateCalibrationFile { get; set; }

    /// <summary>
    /// <c>Enaction:Scoring</c>: whose distribution scores each message: <c>DefaultGenerator</c>, <c>SameModelIds</c>
    /// (other ids of the scorer's own weights) and <c>Generators</c> (model id to the SHA-256 of its ONNX weights).
    /// </summary>
    public ScoringSourceOptions Scoring { get; set; } = new();

    /// <summary><c>Enaction:Provenance</c>: where attestations of generated turns are kept.</summary>
    public EnactionProvenanceOptions Provenance { get; set; } = new();

    /// <summary><c>Enaction:AuditDirectory</c>: when set, every monitored turn is appended to <c>turns-yyyyMMdd.jsonl</c> there.</summary>
    public string? AuditDirectory { get; set; }

    /// <summary><c>Enaction:SessionCapacity</c>: conversations that keep an incremental scoring session (default 64).</summary>
    public int SessionCapacity { get; set; } = 64;

    /// <summary>
    /// <c>Enaction:AttestDerivedConversationIds</c>: attest and verify conversations whose id was derived from their
    /// opening messages (default false; see <see cref="Monitoring.ConversationMonitorOptions.AttestDerivedConversationIds"/>).
    /// </summary>
    public bool AttestDerivedConversationIds { get; set; }

    /// <summary><c>Enaction:Agent</c>: the agent name policies see when the caller names none.</summary>
    public string? Agent { get; set; }
}

/// <summary>The <c>Enaction:Provenance</c> section.</summary>
public sealed class EnactionProvenanceOptions
{
    /// <summary>Accepted store names.</summary>
    public static IReadOnlyList<string> Stores { get; } = ["none", "memory", "sqlite", "postgresql", "registered"];

    /// <summary>
    /// <c>Enaction:Provenance:Store</c>: <c>none</c> (default: only this process's own responses count as the model's),
    /// <c>memory</c>, <c>sqlite</c>, or <c>registered</c>: the <c>IAttestationStore</c> the host registered itself (for a
    /// fleet, <c>AddPostgreSqlAttestationStore</c> from Enaction.PostgreSql).
    /// </summary>
    public string Store { get; set; } = "none";

    /// <summary><c>Enaction:Provenance:Path</c>: the SQLite file, required for <c>sqlite</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// <c>Enaction:Provenance:Key</c>: base64 HMAC key of at least 32 bytes, required for <c>memory</c> and <c>sqlite</c>.
    /// A weak key (one repeated byte, the published example key) is refused unless the host environment is Development.
    /// </summary>
    public string? Key { get; set; }

    /// <summary><c>Enaction:Provenance:Tenant</c>: the tenant id the key is derived for (default <c>default</c>); give each tenant its own.</summary>
    public string? Tenant { get; set; }
}
