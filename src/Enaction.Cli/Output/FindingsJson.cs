using System.Text.Json.Serialization;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Scoring;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>detect --json</c> schema: <c>{"model":"...","calibration":"path"|null,"scoring":[{"message":N,"generator":"...",
/// "source":"same-model|generator-logprobs|served-logprobs|surrogate"}],"findings":[{"kind":"..",
/// "severity":"low|medium|high","score":..,"threshold":..,"message":..,"start":..,"end":..,"detail":{...,"source":".."}}],
/// "judged_by_ledger_alone":[{"message":..,"tokens":..}]}</c>; <c>scoring</c> lists every assistant message, the last
/// lists assistant turns too short for a signature, which only a ledger could judge (detect has none).
/// </summary>
public static class FindingsJson
{
    /// <summary>The document; add a property here to extend the output.</summary>
    public sealed record DetectDocument(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("calibration")] string? Calibration,
        [property: JsonPropertyName("scoring")] IReadOnlyList<Scoring> Scoring,
        [property: JsonPropertyName("findings")] IReadOnlyList<RecordedFinding> Findings,
        [property: JsonPropertyName("judged_by_ledger_alone")] IReadOnlyList<ShortTurn> JudgedByLedgerAlone);

    /// <summary>Whose distribution scored one assistant message.</summary>
    public sealed record Scoring(
        [property: JsonPropertyName("message")] int Message,
        [property: JsonPropertyName("generator")] string Generator,
        [property: JsonPropertyName("source")] string Source);

    /// <summary>The document for <paramref name="findings"/>.</summary>
    public static DetectDocument From(string model, string? calibration, IReadOnlyList<Finding> findings, IReadOnlyList<MessageScoring> scoring,
        IReadOnlyList<ShortTurn>? ledgerAlone = null)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        return new(model, calibration, [.. scoring.Select(s => new Scoring(s.Message, s.Generator, s.Source.ToName()))],
            [.. findings.Select(f => RecordedFinding.From(f, withDetail: true))], ledgerAlone ?? []);
    }

    /// <summary>Writes the findings as one JSON document.</summary>
    public static void Write(TextWriter output, string model, string? calibration, IReadOnlyList<Finding> findings, IReadOnlyList<MessageScoring> scoring, IReadOnlyList<ShortTurn>? ledgerAlone = null) =>
        CliJson.Write(output, From(model, calibration, findings, scoring, ledgerAlone));
}
