namespace Enaction.Evaluation;

/// <summary>One row of an evaluation: a subset of the dataset and how both scores separate it.</summary>
/// <param name="Split">"overall", "source", "family", "family-source", "shape" or "shape-source".</param>
/// <param name="Family">The family, or "all".</param>
/// <param name="Source">The off-policy source compared with the own turns, or "all".</param>
/// <param name="Detector">The project's off-policy score (calibrated combination, or curvature without a calibration).</param>
/// <param name="Curvature">The Fast-DetectGPT-style analytic curvature baseline.</param>
/// <param name="Shape">The conversation shape (<see cref="ConversationShapes"/>), or "all".</param>
/// <remarks>Both metrics are over the turns the detector judges; <see cref="ShortOwn"/> and <see cref="ShortOff"/> count the
/// subset's turns shorter than the signature minimum, which only a ledger judges.</remarks>
public sealed record EvaluationGroup(string Split, string Family, string Source, SeparationMetrics Detector, SeparationMetrics Curvature, string Shape = DatasetEvaluation.All)
{
    /// <summary>Own turns of this subset shorter than the signature minimum: not in the metrics.</summary>
    public int ShortOwn { get; init; }

    /// <summary>Off-policy turns of this subset shorter than the signature minimum: not in the metrics.</summary>
    public int ShortOff { get; init; }
}
