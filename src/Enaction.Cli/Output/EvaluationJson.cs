using System.Text.Encodings.Web;
using System.Text.Json;
using Enaction.Evaluation;
using Enaction.Scoring;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>evaluate --json</c> schema: <c>{"model","generator","scoring_source","calibration","dataset","method","threshold","skipped","short",
/// "groups":[{"split","family","source","shape","detector":{metrics},"curvature":{metrics}}],
/// "entropy":[{"family","source","turns","mean_entropy","ratio"}],
/// "errors":{"answers","wrong","overconfident_span":{metrics},"lowest_token_probability":{metrics},"mean_surprisal":{metrics}}}</c>
/// ("errors" only when the dataset has checkable prompts with corpus answers); metrics are
/// <c>{"negatives","positives","auroc","tpr_at_1pct_fpr","tpr_at_5pct_fpr","tpr_at_threshold","fpr_at_threshold"}</c>,
/// null where undefined.
/// </summary>
public static class EvaluationJson
{
    /// <summary>Writes the evaluation as one JSON document.</summary>
    public static void Write(TextWriter output, string model, string? calibration, string dataset, DatasetEvaluation evaluation, MessageScoring scoring)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        CliJson.Write(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteString("generator", scoring.Generator);
            w.WriteString("scoring_source", scoring.Source.ToName());
            if (calibration is null) w.WriteNull("calibration"); else w.WriteString("calibration", calibration);
            w.WriteString("dataset", dataset);
            w.WriteString("method", evaluation.Method);
            Number(w, "threshold", evaluation.Threshold);
            w.WriteNumber("skipped", evaluation.Skipped);
            w.WriteNumber("short", evaluation.Short);
            w.WriteStartArray("groups");
            foreach (var g in evaluation.Groups)
            {
                w.WriteStartObject();
                w.WriteString("split", g.Split);
                w.WriteString("family", g.Family);
                w.WriteString("source", g.Source);
                w.WriteString("shape", g.Shape);
                Metrics(w, "detector", g.Detector);
                Metrics(w, "curvature", g.Curvature);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("entropy");
            foreach (var e in evaluation.Entropy)
            {
                w.WriteStartObject();
                w.WriteString("family", e.Family);
                w.WriteString("source", e.Source);
                w.WriteNumber("turns", e.Turns);
                Number(w, "mean_entropy", e.MeanEntropy);
                Number(w, "ratio", e.Ratio);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (evaluation.Errors is { } errors)
            {
                w.WriteStartObject("errors");
                w.WriteNumber("answers", errors.Answers);
                w.WriteNumber("wrong", errors.Wrong);
                Metrics(w, "overconfident_span", errors.Span);
                Metrics(w, "lowest_token_probability", errors.LowestTokenProbability);
                Metrics(w, "mean_surprisal", errors.MeanSurprisal);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
    }

    private static void Metrics(Utf8JsonWriter w, string name, SeparationMetrics m)
    {
        w.WriteStartObject(name);
        w.WriteNumber("negatives", m.Negatives);
        w.WriteNumber("positives", m.Positives);
        Number(w, "auroc", m.Auroc);
        Number(w, "tpr_at_1pct_fpr", m.TprAt1);
        Number(w, "tpr_at_5pct_fpr", m.TprAt5);
        Number(w, "tpr_at_threshold", m.TprAtThreshold);
        Number(w, "fpr_at_threshold", m.FprAtThreshold);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, Math.Round(v, 6));
        else w.WriteNull(name);
    }
}
