using Enaction.Scoring;

namespace Enaction.Detection;

/// <summary>
/// Per-message statistics over the scored content tokens of one message: the signature the off-policy,
/// self-echo and broken-intention detectors and calibration read. Computed once from the scorer's output; no second
/// forward pass.
/// </summary>
/// <param name="Message">Message index.</param>
/// <param name="Tokens">Scored content tokens.</param>
/// <param name="MeanEntropy">Mean next-token entropy (nats).</param>
/// <param name="MeanSurprisal">Mean surprisal (nats).</param>
/// <param name="MeanGap">Mean of surprisal minus entropy: how much less likely the text is than the model expected.</param>
/// <param name="Curvature">
/// Fast-DetectGPT's analytic criterion with the scorer as both sampling and scoring model, signed so that larger means
/// less like the model's own samples: sum(surprisal - entropy) / sqrt(sum Var[ln p]). About N(0,1) for the model's own
/// temperature-1 samples.
/// </param>
/// <param name="HighRankFraction">Share of tokens outside the model's top 10.</param>
/// <param name="FirstEntropy">Mean entropy of the first <see cref="FirstTokens"/> tokens from the model-authored boundary.</param>
/// <param name="RestEntropy">Mean entropy of the tokens after those.</param>
/// <param name="RestEntropySd">Standard deviation of per-token entropy after those.</param>
/// <param name="FirstCount">How many tokens <see cref="FirstEntropy"/> averages.</param>
public sealed record TurnFeatures(
    int Message,
    int Tokens,
    double MeanEntropy,
    double MeanSurprisal,
    double MeanGap,
    double Curvature,
    double HighRankFraction,
    double FirstEntropy,
    double RestEntropy,
    double RestEntropySd,
    int FirstCount)
{
    /// <summary>Tokens after the authored boundary that count as "first" (the cached-intention window).</summary>
    public const int FirstTokens = 8;

    /// <summary>Names of <see cref="Vector"/>'s entries, in order (calibration files refer to them).</summary>
    public static IReadOnlyList<string> VectorNames { get; } =
        ["mean_entropy", "mean_surprisal", "mean_gap", "curvature_per_token", "high_rank_fraction", "first_entropy"];

    /// <summary>The features a calibrated combination weighs.</summary>
    public double[] Vector() =>
        [MeanEntropy, MeanSurprisal, MeanGap, Tokens > 0 ? Curvature / Math.Sqrt(Tokens) : 0, HighRankFraction, FirstEntropy];

    /// <summary>
    /// Computes the features of message <paramref name="message"/> from its scored content tokens, counting the
    /// "first" window from character <paramref name="authoredFrom"/> (0, or where a prefill ends).
    /// </summary>
    /// <param name="scores">The scored transcript.</param>
    /// <param name="message">The message.</param>
    /// <param name="authoredFrom">Where the "first" window starts.</param>
    /// <param name="before">Only tokens that start before this character count (to judge a prefill on its own).</param>
    public static TurnFeatures? Compute(ScoredTranscript scores, int message, int authoredFrom = 0, int before = int.MaxValue)
    {
        var tokens = scores.Tokens.AsSpan();
        int n = 0, highRank = 0, first = 0, rest = 0;
        double sumH = 0, sumS = 0, sumVar = 0, sumFirst = 0, sumRest = 0, sumRest2 = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            ref readonly var t = ref tokens[i];
            if (t.Message != message || !t.HasScore || t.Start >= before) continue;
            n++;
            sumH += t.Entropy;
            sumS += t.Surprisal;
            sumVar += t.LogProbVariance;
            if (t.Rank > 10) highRank++;
            if (t.Start < authoredFrom) continue;
            if (first < FirstTokens) { first++; sumFirst += t.Entropy; }
            else { rest++; sumRest += t.Entropy; sumRest2 += (double)t.Entropy * t.Entropy; }
        }
        if (n == 0) return null;
        var restMean = rest > 0 ? sumRest / rest : double.NaN;
        var restSd = rest > 1 ? Math.Sqrt(Math.Max(0, sumRest2 / rest - restMean * restMean)) : double.NaN;
        return new TurnFeatures(
            message, n, sumH / n, sumS / n, (sumS - sumH) / n,
            (sumS - sumH) / Math.Sqrt(Math.Max(sumVar, 1e-6)),
            (double)highRank / n,
            first > 0 ? sumFirst / first : double.NaN,
            restMean, restSd, first);
    }
}
