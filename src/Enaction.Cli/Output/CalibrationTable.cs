using System.Globalization;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Cli.Output;

/// <summary>The summary <c>enaction calibrate</c> prints: one row per detector report, as a Markdown table.</summary>
public static class CalibrationTable
{
    /// <summary>Writes the table.</summary>
    public static void Write(TextWriter output, Calibration calibration, string path, IReadOnlyList<CalibrationFitter.Candidate>? candidates = null)
    {
        output.WriteLine($"model: {calibration.ModelId} (sha256 {calibration.ModelSha256[..Math.Min(12, calibration.ModelSha256.Length)]}…)   target FPR: {N(calibration.TargetFpr)}");
        output.WriteLine();
        var table = new MarkdownTable("detector", "own", "off", "AUROC", "threshold", "TPR", "FPR", "own median [5%, 95%]", "off median [5%, 95%]")
            .AlignRight("own", "off", "AUROC", "threshold", "TPR", "FPR");
        foreach (var name in new[] { CalibrationFitter.ReportNames.OffPolicy, CalibrationFitter.ReportNames.Curvature, CalibrationFitter.ReportNames.BrokenIntention, CalibrationFitter.ReportNames.OverconfidentSpan })
        {
            if (!calibration.Reports.TryGetValue(name, out var r)) { table.AddRow(name, "-", "-", "-", "not calibrated"); continue; }
            table.AddRow(name, r.Negatives.ToString(CultureInfo.InvariantCulture), r.Positives.ToString(CultureInfo.InvariantCulture),
                N(r.Auroc), N(r.Threshold), N(r.Tpr), N(r.Fpr), Spread(r.NegativeQuantiles), Spread(r.PositiveQuantiles));
        }
        table.Write(output);
        if (calibration.OffPolicy is { } off)
        {
            output.WriteLine();
            output.WriteLine($"off-policy weights (standardised features): {string.Join(", ", off.Features.Select((f, i) => $"{f} {N(off.Weights[i])}"))}; bias {N(off.Bias)}");
        }
        if (candidates is { Count: > 0 })
        {
            output.WriteLine();
            output.WriteLine("off-policy combinations tried (calibration data; the one with the highest TPR at the target FPR is kept)");
            output.WriteLine();
            var tried = new MarkdownTable("combination", "AUROC", "TPR@target", "kept").AlignRight("AUROC", "TPR@target");
            foreach (var c in candidates) tried.AddRow(c.Name, N(c.Auroc), N(c.Tpr), c.Chosen ? "yes" : "");
            tried.Write(output);
        }
        output.WriteLine($"wrote {path}");
    }

    private static string Spread(IReadOnlyList<double> q) => q.Count == 7 ? $"{N(q[3])} [{N(q[1])}, {N(q[5])}]" : "-";

    private static string N(double v) => double.IsNaN(v) ? "-" : double.IsInfinity(v) ? (v > 0 ? "+inf" : "-inf") : v.ToString("0.###", CultureInfo.InvariantCulture);
}
