using Enaction.Monitoring;
using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>The <c>resample</c> action's choice among the original response and its resamples.</summary>
internal static class ResampleSelection
{
    /// <summary>
    /// The index of the candidate to keep. <see cref="ResampleKeep.LowestRisk"/>: the lowest <see cref="TurnVerdict.Risk"/>
    /// among candidates the policy does not block (ties keep the earlier, so the original wins a tie).
    /// <see cref="ResampleKeep.MostConsistent"/>: the candidate whose words overlap most with the others'.
    /// </summary>
    public static int Choose(ResampleKeep keep, IReadOnlyList<string> texts, IReadOnlyList<TurnVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(verdicts);
        if (texts.Count != verdicts.Count || texts.Count == 0) throw new ArgumentException("One verdict per candidate, at least one candidate.");
        var best = 0;
        var bestScore = double.NegativeInfinity;
        var words = keep == ResampleKeep.MostConsistent ? texts.Select(Words).ToArray() : null;
        for (var i = 0; i < texts.Count; i++)
        {
            double score;
            if (words is null)
            {
                score = -verdicts[i].Risk - (verdicts[i].IsBlocked ? 1e6 : 0);
            }
            else
            {
                var sum = 0.0;
                for (var j = 0; j < words.Length; j++) if (j != i) sum += Jaccard(words[i], words[j]);
                score = (words.Length > 1 ? sum / (words.Length - 1) : 0) - (verdicts[i].IsBlocked ? 1e6 : 0);
            }
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    private static HashSet<string> Words(string text) =>
        new(text.Split((char[])[' ', '\n', '\t', '.', ',', '!', '?', ';', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant()), StringComparer.Ordinal);

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0) return 1;
        var inter = 0;
        foreach (var w in a) if (b.Contains(w)) inter++;
        return (double)inter / (a.Count + b.Count - inter);
    }
}
