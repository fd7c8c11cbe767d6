using System.Text.RegularExpressions;
using Enaction.Detection;
using Enaction.Scoring;

namespace Enaction.Evaluation;

/// <summary>
/// How well scores computed from the model's own numbers predict that its own answer to a checkable prompt
/// (arithmetic, lists, facts) is wrong: the overconfident-span score beside two standard baselines.
/// </summary>
/// <remarks>
/// A prompt's right answer is read from the dataset's corpus answers for the same conversation (the longest text all of
/// them share: "84." in "It is 84." and "12 * 7 = 84."); an own answer is right when it contains that value as whole
/// words. Wrong answers are the positives. Scores: <see cref="Span"/> is the overconfident-span detector's strongest
/// window (its z against the calibrated on-policy baseline, or the dataset's own-answer baseline without a calibration;
/// high = surer than usual); <see cref="LowestTokenProbability"/> is the least likely token the model chose in the answer
/// (its surprisal, the usual maximum-token-probability style baseline; high = less sure); <see cref="MeanSurprisal"/> is
/// the answer's mean surprisal (sequence likelihood).
/// </remarks>
/// <param name="Answers">Own answers with a known right answer.</param>
/// <param name="Wrong">How many of them are wrong.</param>
/// <param name="Span">The overconfident-span score as a predictor of a wrong answer.</param>
/// <param name="LowestTokenProbability">The least likely chosen token (max surprisal) as a predictor.</param>
/// <param name="MeanSurprisal">The answer's mean surprisal as a predictor.</param>
public sealed record ErrorPrediction(int Answers, int Wrong, SeparationMetrics Span, SeparationMetrics LowestTokenProbability, SeparationMetrics MeanSurprisal)
{
    /// <summary>
    /// Evaluates the own answers of <paramref name="examples"/> whose conversation has corpus answers; null when there
    /// are none (an open-ended-only dataset).
    /// </summary>
    public static ErrorPrediction? Evaluate(IReadOnlyList<ScoredExample> examples, Calibration? calibration = null, DetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new DetectorOptions();
        var references = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var e in examples)
            if (e.Example.Source == OffPolicySources.Corpus && e.Example.Family != "open-ended")
            {
                var key = ContextKey(e);
                if (!references.TryGetValue(key, out var list)) references[key] = list = [];
                list.Add(e.Example.Transcript[e.Example.Target].Content);
            }

        var answers = new List<(bool Wrong, List<float> Entropies, List<float> Surprisals)>();
        foreach (var e in examples)
        {
            if (e.Example.OffPolicy || !references.TryGetValue(ContextKey(e), out var refs) || Value(refs) is not { } value) continue;
            var tokens = e.Scores.Tokens;
            var range = e.Scores.TokensOf(e.Example.Target);
            var entropies = new List<float>();
            var surprisals = new List<float>();
            for (var i = range.Start.Value; i < range.End.Value; i++)
            {
                if (!tokens[i].HasScore || !ContentTokens.IsContent(tokens[i])) continue;
                entropies.Add(tokens[i].Entropy);
                surprisals.Add(tokens[i].Surprisal);
            }
            if (entropies.Count == 0) continue;
            answers.Add((!Contains(e.Example.Transcript[e.Example.Target].Content, value), entropies, surprisals));
        }
        if (answers.Count == 0) return null;

        double mean, sd;
        if (calibration?.OverconfidentSpan is { } baseline) (mean, sd) = (baseline.Mean, baseline.Sd);
        else
        {
            double sum = 0, sum2 = 0;
            var n = 0;
            foreach (var a in answers)
                foreach (var h in a.Entropies) { sum += h; sum2 += (double)h * h; n++; }
            mean = sum / n;
            sd = Math.Sqrt(Math.Max(1e-12, sum2 / n - mean * mean));
        }

        List<double>[] span = [[], []], lowest = [[], []], meanS = [[], []];
        foreach (var (wrong, entropies, surprisals) in answers)
        {
            var k = wrong ? 1 : 0;
            span[k].Add(StrongestWindow(entropies, options.SpanWindow, mean, sd));
            lowest[k].Add(surprisals.Max());
            meanS[k].Add(surprisals.Average());
        }
        return new ErrorPrediction(answers.Count, span[1].Count,
            SeparationMetrics.Of(span[0], span[1]), SeparationMetrics.Of(lowest[0], lowest[1]), SeparationMetrics.Of(meanS[0], meanS[1]));
    }

    /// <summary>The largest window z (mean − window mean) / (sd / √w); a turn shorter than the window is one window.</summary>
    private static double StrongestWindow(List<float> entropies, int window, double mean, double sd)
    {
        var w = Math.Min(window, entropies.Count);
        var best = double.NegativeInfinity;
        for (var start = 0; start + w <= entropies.Count; start++)
        {
            double s = 0;
            for (var k = 0; k < w; k++) s += entropies[start + k];
            best = Math.Max(best, (mean - s / w) / (sd / Math.Sqrt(w)));
        }
        return best;
    }

    private static string ContextKey(ScoredExample e)
    {
        var messages = e.Example.Transcript.Messages;
        var key = new System.Text.StringBuilder();
        for (var i = 0; i < e.Example.Target; i++) key.Append(messages[i].Role).Append('\u0001').Append(messages[i].Content).Append('\u0002');
        return key.ToString();
    }

    /// <summary>The value every reference answer shares (their longest common substring, trimmed), or null.</summary>
    private static string? Value(IReadOnlyList<string> references)
    {
        var common = references[0];
        for (var i = 1; i < references.Count; i++) common = LongestCommonSubstring(common, references[i]);
        common = common.Trim().Trim('.', ',', ';', ':', '!', '?', ' ');
        return common.Any(char.IsLetterOrDigit) ? common : null;
    }

    private static bool Contains(string answer, string value) =>
        Regex.IsMatch(answer, @"(?<![\p{L}\p{N}])" + Regex.Escape(value) + @"(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static string LongestCommonSubstring(string a, string b)
    {
        var best = 0;
        var end = 0;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : 0;
                if (current[j] > best) (best, end) = (current[j], i);
            }
            (previous, current) = (current, previous);
            Array.Clear(current);
        }
        return a.Substring(end - best, best);
    }
}
