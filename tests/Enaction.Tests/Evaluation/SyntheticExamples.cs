using System.Collections.Immutable;
using Enaction.Evaluation;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Evaluation;

/// <summary>Scored examples built by hand: a user turn and an assistant turn whose tokens carry chosen statistics.</summary>
internal static class SyntheticExamples
{
    /// <summary>
    /// An example whose assistant tokens have the given entropies and surprisals (Var[ln p] = 1, rank 1 when
    /// surprisal ≤ entropy, else 20). Each token is a four-character word.
    /// </summary>
    public static ScoredExample Make(IReadOnlyList<(double Entropy, double Surprisal)> tokens, bool offPolicy, string source, string family = "open-ended", int prefillTokens = 0)
    {
        var words = tokens.Select((_, i) => $"w{i:00} ").ToList();
        var content = string.Concat(words);
        var transcript = new Transcript([TranscriptMessage.User("q"), TranscriptMessage.Assistant(content)]);
        var scores = ImmutableArray.CreateBuilder<TokenScore>();
        scores.Add(new TokenScore(1, "q", 0, MessageRole.User, 0, 1, float.NaN, float.NaN, 0, float.NaN, false));
        for (var i = 0; i < tokens.Count; i++)
        {
            var (h, s) = tokens[i];
            scores.Add(new TokenScore(2 + i, words[i], 1, MessageRole.Assistant, 4 * i, 4 * i + 4, (float)h, (float)s, s <= h ? 1 : 20, 1f, false));
        }
        var example = new LabelledTranscript(transcript, 1, offPolicy, source, family, 4 * prefillTokens);
        return new ScoredExample(example, new ScoredTranscript("synthetic", transcript, scores.ToImmutable()));
    }

    /// <summary>A turn of <paramref name="count"/> tokens around a level, varied deterministically by <paramref name="seed"/>.</summary>
    public static ScoredExample Turn(int seed, double entropy, double surprisal, bool offPolicy, string source, string family = "open-ended", int count = 20,
        double firstEntropy = double.NaN, int prefillTokens = 0)
    {
        var random = new Random(seed);
        var tokens = new List<(double, double)>();
        for (var i = 0; i < count; i++)
        {
            var h = (i >= prefillTokens && i < prefillTokens + 8 && !double.IsNaN(firstEntropy) ? firstEntropy : entropy) * (0.5 + random.NextDouble());
            tokens.Add((h, surprisal * (0.5 + random.NextDouble())));
        }
        return Make(tokens, offPolicy, source, family, prefillTokens);
    }

    /// <summary>Own turns (low entropy and surprisal) and off-policy turns of every source (higher).</summary>
    public static List<ScoredExample> Dataset(int perSource, double gap = 1.0)
    {
        var list = new List<ScoredExample>();
        for (var i = 0; i < perSource; i++)
        {
            var family = i % 3 == 0 ? "arithmetic" : "open-ended";
            list.Add(Turn(i, 0.3, 0.3, false, OffPolicySources.Own, family));
            list.Add(Turn(1000 + i, 0.3 + gap, 0.3 + 2 * gap, true, OffPolicySources.OtherModel, family));
            list.Add(Turn(2000 + i, 0.3 + gap / 2, 0.3 + 3 * gap, true, OffPolicySources.Corpus, family));
            list.Add(Turn(3000 + i, 0.3, 0.3 + gap, true, OffPolicySources.Swap, family));
            list.Add(Turn(4000 + i, 0.3, 0.3 + gap, true, OffPolicySources.Prefill, family, firstEntropy: 0.3 + 3 * gap, prefillTokens: 4));
        }
        return list;
    }
}
