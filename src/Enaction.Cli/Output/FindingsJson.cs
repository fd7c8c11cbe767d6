using System.Text.Json.Serialization;
using Enaction.Detection;
using Enaction.Monitoring;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>detect --json</c> schema: <c>{"model":"...","calibration":"path"|null,"findings":[{"kind":"..",
/// "severity":"low|medium|high","score":..,"threshold":..,"message":..,"start":..,"end":..,"detail":{...}}]}</c>.
/// A finding is the audit record's <see cref="RecordedFinding"/> with its detail.
/// </summary>
public static class FindingsJson
{
    /// <summary>The document; add a property here to extend the output.</summary>
    public sealed record DetectDocument(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("calibration")] string? Calibration,
        [property: JsonPropertyName("findings")] IReadOnlyList<RecordedFinding> Findings);

    /// <summary>The document for <paramref name="findings"/>.</summary>
    public static DetectDocument From(string model, string? calibration, IReadOnlyList<Finding> findings) =>
        new(model, calibration, [.. findings.Select(f => RecordedFinding.From(f, withDetail: true))]);

    /// <summary>Writes the findings as one JSON document.</summary>
    public static void Write(TextWriter output, string model, string? calibration, IReadOnlyList<Finding> findings) =>
        CliJson.Write(output, From(model, calibration, findings));
}
