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
/// <param name="Peaks">Statistics of the turn's sharpest departures, which a mean over a long turn dilutes.</param>
/// <param name="Prompt">How much the user's request explains the turn (a second scoring without it), or null when that
/// was not computed; its vector entries are then NaN, which a calibrated combination reads as its mean.</param>
/// <param name="Nucleus">Tokens the model's own sampler could not have produced, or null when the scorer does not know
/// the generator's nucleus (<see cref="ScoredTranscript.SamplingTopP"/>) or sees only top-k log-probabilities.</param>
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
    int FirstCount,
    TurnPeaks Peaks,
    PromptGain? Prompt = null,
    NucleusExits? Nucleus = null)
{
    /// <summary>Tokens after the authored boundary that count as "first" (the cached-intention window).</summary>
    public const int FirstTokens = 8;

    /// <summary>Tokens per window for the windowed peaks.</summary>
    public const int Window = 4;

    /// <summary>Names of <see cref="Vector"/>'s entries, in order (calibration files refer to them).</summary>
    public static IReadOnlyList<string> VectorNames { get; } =
    [
        "mean_entropy", "mean_surprisal", "mean_gap", "curvature_per_token", "high_rank_fraction", "first_entropy",
        "max_window_gap", "max_surprisal", "top_gap_mean", "first_gap", "max_window_entropy", "first_entropy_jump",
        "confident_miss_rate", "tail_gap_z", "curvature", "prompt_gain", "min_window_prompt_gain", "bottom_prompt_gain",
        "nucleus_exits", "nucleus_excess",
    ];

    /// <summary>The features a calibrated combination weighs, named by <see cref="VectorNames"/>.</summary>
    public double[] Vector() =>
    [
        MeanEntropy, MeanSurprisal, MeanGap, Tokens > 0 ? Curvature / Math.Sqrt(Tokens) : 0, HighRankFraction, FirstEntropy,
        Peaks.MaxWindowGap, Peaks.MaxSurprisal, Peaks.TopGapMean, Peaks.FirstGap, Peaks.MaxWindowEntropy, FirstEntropy - RestEntropy,
        Peaks.ConfidentMissRate, Peaks.TailCurvature, Curvature, Prompt?.Mean ?? double.NaN, Prompt?.MinWindow ?? double.NaN,
        Prompt?.Bottom ?? double.NaN, Nucleus?.Exits ?? double.NaN, Nucleus?.Excess ?? double.NaN,
    ];

    /// <summary>
    /// Computes the features of message <paramref name="message"/> from its scored content tokens, counting the
    /// "first" window from character <paramref name="authoredFrom"/> (0, or where a prefill ends).
    /// </summary>
    /// <param name="scores">The scored transcript.</param>
    /// <param name="message">The message.</param>
    /// <param name="authoredFrom">Where the "first" window starts.</param>
    /// <param name="before">Only tokens that start before this character count (to judge a prefill on its own).</param>
    /// <param name="contrast">The transcript scored with the request emptied (<see cref="PromptContrast"/>), or null.</param>
    public static TurnFeatures? Compute(ScoredTranscript scores, int message, int authoredFrom = 0, int before = int.MaxValue, ScoredTranscript? contrast = null)
    {
        // Only the message's own tokens: scanning the whole transcript for each message made detection quadratic.
        var tokens = scores.Tokens.AsSpan()[scores.TokensOf(message)];
        int n = 0, highRank = 0, first = 0, rest = 0;
        double sumH = 0, sumS = 0, sumVar = 0, sumFirst = 0, sumRest = 0, sumRest2 = 0;
        var peaks = new TurnPeaks.Builder();
        var nucleus = scores.SamplingTopP;
        var content = (uint)message < (uint)scores.Transcript.Count ? scores.Transcript[message].Content : "";
        // Structured tool calls are written out by the host (ToolCall.Text: its own JSON), not as the model sampled them:
        // the nucleus judges only the message's text before them.
        var nucleusEnd = (uint)message < (uint)scores.Transcript.Count && scores.Transcript[message].ToolCalls is { Count: > 0 }
            ? scores.Transcript[message].TextWithoutToolCalls.Length
            : content.Length;
        int exits = 0, judged = 0;
        double excess = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            ref readonly var t = ref tokens[i];
            if (t.Message != message || !t.HasScore || t.Start >= before || ContentTokens.IsReplaced(content, t.Start, t.End)) continue;
            n++;
            sumH += t.Entropy;
            sumS += t.Surprisal;
            sumVar += t.LogProbVariance;
            if (t.Rank > 10) highRank++;
            peaks.Add(t);
            if (nucleus is { } p && !float.IsNaN(t.MassAbove) && t.End <= nucleusEnd && NucleusExits.Judges(content, t.Start, t.End))
            {
                judged++;
                if (t.MassAbove >= p + NucleusExits.Tolerance) exits++;
                excess += Math.Max(0, t.MassAbove - p);
            }
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
            restMean, restSd, first, peaks.Build(),
            contrast is null ? null : PromptContrast.Gain(scores, contrast, message, before),
            nucleus is { } top && judged > 0 ? new NucleusExits(top, exits, excess) : null);
    }
}

/// <summary>
/// Tokens of one turn outside the nucleus the model's own sampler draws from. With top-p sampling at a temperature of
/// at most 1, a token is drawn only while the mass of the tokens the model prefers to it is below top-p; a token at or
/// above that (<see cref="TokenScore.MassAbove"/>) is one the model could not have written itself, whatever else the
/// turn looks like. Text re-encoded after sampling (a partial UTF-8 character, a tokenisation the model did not
/// choose) can still exit now and then: measured, 11 of 1,560 of the bundled model's own turns
/// (docs/quality.md), against 90-100% of foreign turns.
/// </summary>
/// <param name="TopP">The nucleus the turn was judged against.</param>
/// <param name="Exits">Tokens whose preferred mass reaches <paramref name="TopP"/> + <see cref="Tolerance"/>.</param>
/// <param name="Excess">Sum over the turn's tokens of how far their preferred mass exceeds <paramref name="TopP"/>.</param>
public sealed record NucleusExits(double TopP, int Exits, double Excess)
{
    /// <summary>Slack for the scorer's arithmetic differing from the generator's (batched vs incremental passes).</summary>
    public const double Tolerance = 0.01;

    /// <summary>
    /// Whether the token at characters [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="content"/>
    /// is one the nucleus can judge: a whole word (or a whole run of punctuation), with no replacement character. Text
    /// does not carry the tokens it was sampled as: a word the model wrote as "G" + "Que" + "il" is read back as "G" +
    /// "Q" + "ue" + "il", and the pieces it never chose can sit far outside its nucleus; a partial UTF-8 character comes
    /// back as U+FFFD. Measured on the bundled model's held-out own turns, those were where its own exits were
    /// (docs/quality.md); a swapped name or a foreign wording exits on whole words.
    /// </summary>
    public static bool Judges(string content, int start, int end)
    {
        if (start < 0 || end > content.Length || start >= end) return false;
        var text = content.AsSpan(start, end - start);
        if (text.Contains('\uFFFD')) return false;
        var first = text[0];
        var last = text[^1];
        var opens = start == 0 || !char.IsLetterOrDigit(content[start - 1]) || !char.IsLetterOrDigit(first);
        var closes = end == content.Length || !char.IsLetterOrDigit(content[end]) || !char.IsLetterOrDigit(last);
        return opens && closes;
    }
}

/// <summary>
/// The sharpest departures in one turn, where a swapped entity name or a foreign opening shows even when the rest of
/// the turn is the model's own kind of text. Gap = surprisal − entropy of one token (nats).
/// </summary>
/// <param name="MaxWindowGap">Largest mean gap over <see cref="TurnFeatures.Window"/> consecutive tokens.</param>
/// <param name="MaxSurprisal">Largest surprisal.</param>
/// <param name="TopGapMean">Mean of the largest tenth of the gaps (at least three).</param>
/// <param name="FirstGap">Mean gap of the first <see cref="TurnFeatures.FirstTokens"/> tokens.</param>
/// <param name="MaxWindowEntropy">Largest mean entropy over <see cref="TurnFeatures.Window"/> consecutive tokens.</param>
/// <param name="ConfidentMissRate">Share of tokens where the model was confident (entropy under 1 nat) yet the text took a token it gave under 10%.</param>
/// <param name="TailCurvature">Curvature of the largest quarter of the gaps: their sum over the square root of their Var[ln p].</param>
public sealed record TurnPeaks(
    double MaxWindowGap,
    double MaxSurprisal,
    double TopGapMean,
    double FirstGap,
    double MaxWindowEntropy,
    double ConfidentMissRate,
    double TailCurvature)
{
    /// <summary>Accumulates one turn's tokens in order.</summary>
    internal sealed class Builder
    {
        private static readonly double ConfidentMissSurprisal = Math.Log(10);
        private readonly List<(double Gap, double Variance)> _gaps = [];
        private readonly double[] _windowGap = new double[TurnFeatures.Window];
        private readonly double[] _windowEntropy = new double[TurnFeatures.Window];
        private double _sumWindowGap, _sumWindowEntropy, _maxSurprisal = double.NaN, _firstGap;
        private double _maxWindowGap = double.NegativeInfinity, _maxWindowEntropy = double.NegativeInfinity;
        private int _misses;

        public void Add(in TokenScore t)
        {
            var i = _gaps.Count;
            double gap = t.Surprisal - t.Entropy;
            _gaps.Add((gap, Math.Max(t.LogProbVariance, 1e-6)));
            if (!(t.Surprisal <= _maxSurprisal)) _maxSurprisal = t.Surprisal;
            if (i < TurnFeatures.FirstTokens) _firstGap += gap;
            if (t.Entropy < 1.0 && t.Surprisal > ConfidentMissSurprisal) _misses++;
            var slot = i % TurnFeatures.Window;
            _sumWindowGap += gap - _windowGap[slot];
            _sumWindowEntropy += t.Entropy - _windowEntropy[slot];
            _windowGap[slot] = gap;
            _windowEntropy[slot] = t.Entropy;
            if (i + 1 >= TurnFeatures.Window)
            {
                _maxWindowGap = Math.Max(_maxWindowGap, _sumWindowGap / TurnFeatures.Window);
                _maxWindowEntropy = Math.Max(_maxWindowEntropy, _sumWindowEntropy / TurnFeatures.Window);
            }
        }

        public TurnPeaks Build()
        {
            var n = _gaps.Count;
            if (n == 0) return new TurnPeaks(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
            if (n < TurnFeatures.Window)
            {
                // A turn shorter than a window is one window.
                _maxWindowGap = _sumWindowGap / n;
                _maxWindowEntropy = _sumWindowEntropy / n;
            }
            _gaps.Sort((a, b) => b.Gap.CompareTo(a.Gap));
            var top = Math.Min(n, Math.Max(3, n / 10));
            var tail = Math.Max(1, n / 4);
            double sumTop = 0, sumTail = 0, varTail = 0;
            for (var i = 0; i < tail || i < top; i++)
            {
                if (i < top) sumTop += _gaps[i].Gap;
                if (i < tail) { sumTail += _gaps[i].Gap; varTail += _gaps[i].Variance; }
            }
            return new TurnPeaks(
                _maxWindowGap, _maxSurprisal, sumTop / top, _firstGap / Math.Min(n, TurnFeatures.FirstTokens),
                _maxWindowEntropy, (double)_misses / n, sumTail / Math.Sqrt(varTail));
        }
    }
}
