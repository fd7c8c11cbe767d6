using System.Text.Json.Serialization;
using Enaction.Evaluation;
using Enaction.Scoring;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>evaluate --json</c> schema: <c>{"model","generator","scoring_source","calibration","dataset","method","threshold","skipped","short",
/// "groups":[{"split","family","source","shape","short_own","short_off","short_flagged_own","short_flagged_off","detector":{metrics},"curvature":{metrics}}],
/// "entropy":[{"family","source","turns","mean_entropy","ratio"}],
/// "errors":{"answers","wrong","overconfident_span":{metrics},"lowest_token_probability":{metrics},"mean_surprisal":{metrics}}}</c>
/// ("errors" only when the dataset has checkable prompts with corpus answers); metrics are
/// <c>{"negatives","positives","auroc","tpr_at_1pct_fpr","tpr_at_5pct_fpr","tpr_at_threshold","fpr_at_threshold"}</c>,
/// null where undefined.
/// </summary>
public static class EvaluationJson
{
    /// <summary>The document.</summary>
    public sealed record EvaluationDocument(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("generator")] string Generator,
        [property: JsonPropertyName("scoring_source")] string ScoringSource,
        [property: JsonPropertyName("calibration")] string? Calibration,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("threshold")] double? Threshold,
        [property: JsonPropertyName("skipped")] int Skipped,
        [property: JsonPropertyName("short")] int Short,
        [property: JsonPropertyName("groups")] IReadOnlyList<Group> Groups,
        [property: JsonPropertyName("entropy")] IReadOnlyList<Entropy> Entropy,
        [property: JsonPropertyName("errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Errors? Errors);

    /// <summary>Scores from the model's own numbers as predictors of a wrong own answer to a checkable prompt.</summary>
    public sealed record Errors(
        [property: JsonPropertyName("answers")] int Answers,
        [property: JsonPropertyName("wrong")] int Wrong,
        [property: JsonPropertyName("overconfident_span")] Metrics OverconfidentSpan,
        [property: JsonPropertyName("lowest_token_probability")] Metrics LowestTokenProbability,
        [property: JsonPropertyName("mean_surprisal")] Metrics MeanSurprisal);

    /// <summary>One split, family and source.</summary>
    public sealed record Group(
        [property: JsonPropertyName("split")] string Split,
        [property: JsonPropertyName("family")] string Family,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("shape")] string Shape,
        [property: JsonPropertyName("short_own")] int ShortOwn,
        [property: JsonPropertyName("short_off")] int ShortOff,
        [property: JsonPropertyName("short_flagged_own")] int ShortFlaggedOwn,
        [property: JsonPropertyName("short_flagged_off")] int ShortFlaggedOff,
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
    public static void Write(TextWriter output, string model, string? calibration, string dataset, DatasetEvaluation evaluation, MessageScoring scoring)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        CliJson.Write(output, new EvaluationDocument(model, scoring.Generator, scoring.Source.ToName(), calibration, dataset, evaluation.Method,
            CliJson.Number(evaluation.Threshold), evaluation.Skipped, evaluation.Short,
            [.. evaluation.Groups.Select(g => new Group(g.Split, g.Family, g.Source, g.Shape, g.ShortOwn, g.ShortOff, g.ShortFlaggedOwn, g.ShortFlaggedOff, ToMetrics(g.Detector), ToMetrics(g.Curvature)))],
            [.. evaluation.Entropy.Select(e => new Entropy(e.Family, e.Source, e.Turns, CliJson.Number(e.MeanEntropy), CliJson.Number(e.Ratio)))],
            evaluation.Errors is { } errors
                ? new Errors(errors.Answers, errors.Wrong, ToMetrics(errors.Span), ToMetrics(errors.LowestTokenProbability), ToMetrics(errors.MeanSurprisal))
                : null));
    }

    private static Metrics ToMetrics(SeparationMetrics m) => new(m.Negatives, m.Positives, CliJson.Number(m.Auroc),
        CliJson.Number(m.TprAt1), CliJson.Number(m.TprAt5), CliJson.Number(m.TprAtThreshold), CliJson.Number(m.FprAtThreshold));
}
