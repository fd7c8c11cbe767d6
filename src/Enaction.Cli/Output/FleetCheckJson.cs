using System.Text.Json.Serialization;
using Enaction.Cli.Fleet;

namespace Enaction.Cli.Output;

/// <summary>The <c>fleet-check --json</c> document.</summary>
internal sealed record FleetCheckJson(
    [property: JsonPropertyName("instances")] int Instances,
    [property: JsonPropertyName("conversations")] int Conversations,
    [property: JsonPropertyName("attested")] int Attested,
    [property: JsonPropertyName("verified")] int Verified,
    [property: JsonPropertyName("lost")] int Lost,
    [property: JsonPropertyName("false_flags")] int FalseFlags,
    [property: JsonPropertyName("forged_reported")] bool ForgedReported,
    [property: JsonPropertyName("attestations_per_second")] double? AttestationsPerSecond)
{
    /// <summary>The document for <paramref name="r"/>.</summary>
    public static FleetCheckJson From(FleetReport r) => new(r.Instances, r.Conversations, r.Attested, r.Verified, r.Lost, r.FalseFlags,
        r.ForgedReported, CliJson.Number(r.AttestationsPerSecond, 2));
}
