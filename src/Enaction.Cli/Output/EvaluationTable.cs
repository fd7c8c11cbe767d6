using System.Globalization;
using Enaction.Evaluation;
using Enaction.Scoring;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction evaluate</c>: separation per split, then the entropy gap, as Markdown tables.</summary>
public static class EvaluationTable
{
    /// <summary>Writes the tables.</summary>
    public static void Write(TextWriter output, string model, string? calibration, string dataset, DatasetEvaluation evaluation, MessageScoring scoring)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        output.WriteLine($"model: {model}   dataset: {dataset}");
        output.WriteLine($"turns by {scoring.Generator}: {scoring.Source.ToName()}, {scoring.Source.Describe()}");
        output.WriteLine($"off-policy score: {evaluation.Method}, threshold {N(evaluation.Threshold)} ({(calibration is null ? "documented default" : "from " + calibration)});"
            + $" skipped {evaluation.Skipped}; shorter than the detector's minimum {evaluation.Short} (not in the metrics: a nucleus exit or the ledger judges them; \"short\" counts them per row, own/off, and \"short flagged\" those a nucleus exit flags)");
        output.WriteLine();
        output.WriteLine("Separation of own (negative) and off-policy (positive) turns: project score vs curvature baseline");
        output.WriteLine();
        var table = new MarkdownTable("split", "family", "shape", "source", "own", "off", "short", "short flagged", "AUROC", "TPR@1%", "TPR@5%", "TPR@thr", "FPR@thr", "curv AUROC", "curv TPR@1%", "curv TPR@5%")
            .AlignRight("own", "off", "short", "short flagged", "AUROC", "TPR@1%", "TPR@5%", "TPR@thr", "FPR@thr", "curv AUROC", "curv TPR@1%", "curv TPR@5%");
        foreach (var g in evaluation.Groups)
        {
            var d = g.Detector;
            var c = g.Curvature;
            table.AddRow(g.Split, g.Family, g.Shape, g.Source, I(d.Negatives), I(d.Positives), $"{I(g.ShortOwn)}/{I(g.ShortOff)}", $"{I(g.ShortFlaggedOwn)}/{I(g.ShortFlaggedOff)}", N(d.Auroc), N(d.TprAt1), N(d.TprAt5),
                N(d.TprAtThreshold), N(d.FprAtThreshold), N(c.Auroc), N(c.TprAt1), N(c.TprAt5));
        }
        table.Write(output);
        output.WriteLine();
        output.WriteLine("Mean next-token entropy of the target turn (nats) and its ratio to own turns");
        output.WriteLine();
        var gap = new MarkdownTable("family", "source", "turns", "entropy", "ratio").AlignRight("turns", "entropy", "ratio");
        foreach (var e in evaluation.Entropy) gap.AddRow(e.Family, e.Source, I(e.Turns), N(e.MeanEntropy), N(e.Ratio));
        gap.Write(output);
        if (evaluation.Errors is { } errors)
        {
            output.WriteLine();
            output.WriteLine($"Predicting a wrong own answer to a checkable prompt ({I(errors.Answers)} answers, {I(errors.Wrong)} wrong)");
            output.WriteLine();
            var table2 = new MarkdownTable("score", "AUROC", "TPR@1%", "TPR@5%").AlignRight("AUROC", "TPR@1%", "TPR@5%");
            foreach (var (name, m) in new[] { ("overconfident-span (strongest window z)", errors.Span), ("lowest token probability (max surprisal)", errors.LowestTokenProbability), ("mean surprisal", errors.MeanSurprisal) })
                table2.AddRow(name, N(m.Auroc), N(m.TprAt1), N(m.TprAt5));
            table2.Write(output);
        }
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string N(double v) => double.IsNaN(v) ? "-" : double.IsInfinity(v) ? (v > 0 ? "+inf" : "-inf") : v.ToString("0.000", CultureInfo.InvariantCulture);
}
