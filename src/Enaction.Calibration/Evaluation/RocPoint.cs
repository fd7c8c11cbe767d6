namespace Enaction.Evaluation;

/// <summary>One point of a ROC curve.</summary>
/// <param name="Fpr">False-positive rate: share of negatives flagged.</param>
/// <param name="Tpr">True-positive rate: share of positives flagged.</param>
public readonly record struct RocPoint(double Fpr, double Tpr);
