namespace Enaction.Evaluation;

/// <summary>How well one score separates positives from negatives.</summary>
/// <param name="Negatives">Negative (on-policy) count.</param>
/// <param name="Positives">Positive (off-policy) count.</param>
/// <param name="Auroc">Area under the ROC curve (NaN when a class is empty).</param>
/// <param name="TprAt1">True-positive rate at the threshold that keeps the false-positive rate at or below 1%.</param>
/// <param name="TprAt5">The same at 5%.</param>
/// <param name="TprAtThreshold">True-positive rate at a fixed (calibrated) threshold, or NaN when none was given.</param>
/// <param name="FprAtThreshold">False-positive rate at that threshold, or NaN.</param>
public sealed record SeparationMetrics(
    int Negatives,
    int Positives,
    double Auroc,
    double TprAt1,
    double TprAt5,
    double TprAtThreshold,
    double FprAtThreshold)
{
    /// <summary>Measures the separation of <paramref name="negatives"/> and <paramref name="positives"/>.</summary>
    public static SeparationMetrics Of(IReadOnlyList<double> negatives, IReadOnlyList<double> positives, double? threshold = null)
    {
        if (negatives.Count == 0)
            return new SeparationMetrics(0, positives.Count, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var roc = RocCurve.Compute(negatives, positives);
        var fixedPoint = threshold is { } t ? roc.At(t) : new OperatingPoint(double.NaN, double.NaN, double.NaN);
        return new SeparationMetrics(roc.Negatives, roc.Positives, roc.Auroc, roc.AtFpr(0.01).Tpr, roc.AtFpr(0.05).Tpr,
            fixedPoint.Tpr, fixedPoint.Fpr);
    }
}
