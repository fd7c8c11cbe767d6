using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Realism;

/// <summary>How recognisable one synthetic assistant turn is to the model under test.</summary>
/// <param name="Message">The turn's message index.</param>
/// <param name="Tokens">Scored content tokens.</param>
/// <param name="Score">The off-policy signature score (<see cref="OffPolicyDetector.Signature"/>), NaN when no token was scored.</param>
/// <param name="Threshold">The threshold it is compared with.</param>
/// <param name="Method">How the score was computed (<see cref="OffPolicyDetector.Rule"/>).</param>
/// <param name="Percentile">Where the score sits among the model's own turns (0 to 100), or null when no own-turn
/// distribution is known (no calibration and no own samples).</param>
/// <param name="PercentileSource"><see cref="OwnScoreDistribution.Source"/> of that distribution, or null.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Giveaways">The tokens that give the turn away most, largest gap first.</param>
/// <param name="Features">The signature features the score combines, or null when no token was scored.</param>
public sealed record TurnRealism(
    int Message,
    int Tokens,
    double Score,
    double Threshold,
    string Method,
    double? Percentile,
    string? PercentileSource,
    RealismVerdict Verdict,
    ImmutableArray<Giveaway> Giveaways,
    TurnFeatures? Features)
{
    /// <summary>The model's own scores for this turn's context, when own samples were drawn (<see cref="RealismOptions.OwnSamples"/>).</summary>
    public ImmutableArray<double> OwnSampleScores { get; init; } = [];

    /// <summary>What <c>--resample</c> did with the turn, or null when it was not asked to or the turn blends in.</summary>
    public ResampleOutcome? Resample { get; init; }
}
