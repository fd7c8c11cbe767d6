namespace Enaction.Evaluation;

/// <summary>A threshold and the rates it gives (flagged when score ≥ threshold).</summary>
/// <param name="Threshold">The threshold.</param>
/// <param name="Tpr">Share of positives flagged (NaN with no positives).</param>
/// <param name="Fpr">Share of negatives flagged (NaN with no negatives).</param>
public readonly record struct OperatingPoint(double Threshold, double Tpr, double Fpr);
