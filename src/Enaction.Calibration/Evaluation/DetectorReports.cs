using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Evaluation;

/// <summary>Builds the <see cref="DetectorReport"/> a calibration file stores for one detector's score.</summary>
public static class DetectorReports
{
    /// <summary>ROC points kept in a report.</summary>
    public const int RocPoints = 101;

    /// <summary>
    /// The report for scores of negatives (on-policy) and positives (off-policy) with the threshold at
    /// <paramref name="targetFpr"/>. With no positives, AUROC and TPR are NaN and only the negatives' side is filled.
    /// </summary>
    public static DetectorReport From(IReadOnlyList<double> negatives, IReadOnlyList<double> positives, double targetFpr)
    {
        var roc = RocCurve.Compute(negatives, positives);
        var point = roc.AtFpr(targetFpr);
        return new DetectorReport
        {
            Auroc = Round(roc.Auroc),
            Threshold = point.Threshold,
            Tpr = Round(point.Tpr),
            Fpr = Round(point.Fpr),
            Negatives = roc.Negatives,
            Positives = roc.Positives,
            Roc = positives.Count == 0 ? [] : [.. roc.Thinned(RocPoints).Select(p => ImmutableArray.Create(Round(p.Fpr), Round(p.Tpr)))],
            NegativeQuantiles = Finite(negatives, ScoreQuantiles.ReportLevels),
            NegativePercentiles = Finite(negatives, ScoreQuantiles.PercentileLevels),
            PositiveQuantiles = Finite(positives, ScoreQuantiles.ReportLevels),
        };
    }

    private static ImmutableArray<double> Finite(IReadOnlyList<double> values, IReadOnlyList<double> levels)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? [] : [.. ScoreQuantiles.Of(finite, levels).Select(Round)];
    }

    private static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 6) : v;
}
