using System.Text.Json.Serialization;
using Enaction.Evaluation;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>evaluate --json</c> schema: <c>{"model","calibration","dataset","method","threshold","skipped","short",
/// "groups":[{"split","family","source","detector":{metrics},"curvature":{metrics}}],
/// "entropy":[{"family","source","turns","mean_entropy","ratio"}]}</c>; metrics are
/// <c>{"negatives","positives","auroc","tpr_at_1pct_fpr","tpr_at_5pct_fpr","tpr_at_threshold","fpr_at_threshold"}</c>,
/// null where undefined.
/// </summary>
public static class EvaluationJson
{
    /// <summary>The document.</summary>
    public sealed record EvaluationDocument(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("calibration")] string? Calibration,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("threshold")] double? Threshold,
        [property: JsonPropertyName("skipped")] int Skipped,
        [property: JsonPropertyName("short")] int Short,
        [property: JsonPropertyName("groups")] IReadOnlyList<Group> Groups,
        [property: JsonPropertyName("entropy")] IReadOnlyList<Entropy> Entropy);

    /// <summary>One split, family and source.</summary>
    public sealed record Group(
        [property: JsonPropertyName("split")] string Split,
        [property: JsonPropertyName("family")] string Family,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("detector")] Metrics Detector,
        [property: JsonPropertyName("curvature")] Metrics Curvature);

    /// <summary>How well one statistic separates the negatives from the positives.</summary>
    public sealed record Metrics(
        [property: JsonPropertyName("negatives")] int Negatives,
        [property: JsonPropertyName("positives")] int Positives,
        [property: JsonPropertyName("auroc")] double? Auroc,
        [property: JsonPropertyName("tpr_at_1pct_fpr")] double? TprAt1,
        [property: JsonPropertyName("tpr_at_5pct_fpr")] double? TprAt5,
        [property: JsonPropertyName("tpr_at_threshold")] double? TprAtThreshold,
        [property: JsonPropertyName("fpr_at_threshold")] double? FprAtThreshold);

    /// <summary>Mean entropy of one family and source.</summary>
    public sealed record Entropy(
        [property: JsonPropertyName("family")] string Family,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("turns")] int Turns,
        [property: JsonPropertyName("mean_entropy")] double? MeanEntropy,
        [property: JsonPropertyName("ratio")] double? Ratio);

    /// <summary>Writes the evaluation as one JSON document.</summary>
    public static void Write(TextWriter output, string model, string? calibration, string dataset, DatasetEvaluation evaluation) =>
        CliJson.Write(output, new EvaluationDocument(model, calibration, dataset, evaluation.Method, CliJson.Number(evaluation.Threshold),
            evaluation.Skipped, evaluation.Short,
            [.. evaluation.Groups.Select(g => new Group(g.Split, g.Family, g.Source, ToMetrics(g.Detector), ToMetrics(g.Curvature)))],
            [.. evaluation.Entropy.Select(e => new Entropy(e.Family, e.Source, e.Turns, CliJson.Number(e.MeanEntropy), CliJson.Number(e.Ratio)))]));

    private static Metrics ToMetrics(SeparationMetrics m) => new(m.Negatives, m.Positives, CliJson.Number(m.Auroc),
        CliJson.Number(m.TprAt1), CliJson.Number(m.TprAt5), CliJson.Number(m.TprAtThreshold), CliJson.Number(m.FprAtThreshold));
}
