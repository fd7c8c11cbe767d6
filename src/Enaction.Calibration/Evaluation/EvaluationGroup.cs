namespace Enaction.Evaluation;

/// <summary>One row of an evaluation: a subset of the dataset and how both scores separate it.</summary>
/// <param name="Split">"overall", "source", "family", "family-source", "shape" or "shape-source".</param>
/// <param name="Family">The family, or "all".</param>
/// <param name="Source">The off-policy source compared with the own turns, or "all".</param>
/// <param name="Detector">The project's off-policy score (calibrated combination, or curvature without a calibration).</param>
/// <param name="Curvature">The Fast-DetectGPT-style analytic curvature baseline.</param>
/// <param name="Shape">The conversation shape (<see cref="ConversationShapes"/>), or "all".</param>
/// <remarks>Both metrics are over the turns the signature judges; <see cref="ShortOwn"/> and <see cref="ShortOff"/> count the
/// subset's turns shorter than the signature minimum, which a nucleus exit or the ledger judges.</remarks>
public sealed record EvaluationGroup(string Split, string Family, string Source, SeparationMetrics Detector, SeparationMetrics Curvature, string Shape = DatasetEvaluation.All)
{
    /// <summary>Own turns of this subset shorter than the signature minimum: not in the metrics.</summary>
    public int ShortOwn { get; init; }

    /// <summary>Off-policy turns of this subset shorter than the signature minimum: not in the metrics.</summary>
    public int ShortOff { get; init; }

    /// <summary>Of <see cref="ShortOwn"/>, those a nucleus exit flags (<see cref="Detection.OffPolicyDetector.ExitsNucleus"/>): false positives.</summary>
    public int ShortFlaggedOwn { get; init; }

    /// <summary>Of <see cref="ShortOff"/>, those a nucleus exit flags: caught without a signature or a ledger.</summary>
    public int ShortFlaggedOff { get; init; }
}
