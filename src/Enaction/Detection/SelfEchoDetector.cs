using System.Collections.Immutable;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// The model's own earlier output re-entering the context as user or tool content: runs of at least
/// <see cref="DetectorOptions.EchoMinTokens"/> tokens that repeat an earlier self-authored assistant turn. Such text
/// reads as on-policy to the model, so it confirms itself instead of being checked.
/// </summary>
public sealed class SelfEchoDetector(DetectorOptions? options = null) : IDetector
{
    private readonly DetectorOptions _options = options ?? new DetectorOptions();

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.SelfEcho];

    /// <summary>Token ids and the text of earlier turns: works whatever the source.</summary>
    public DetectorNeeds Needs => DetectorNeeds.None;

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        var n = _options.EchoMinTokens;
        var tokens = context.Scores.Tokens;
        var transcript = context.Transcript;
        var ids = new Dictionary<int, List<int>>(); // message -> token indices of its content
        for (var i = 0; i < tokens.Length; i++)
        {
            var m = tokens[i].Message;
            if (m < 0) continue;
            if (!ids.TryGetValue(m, out var list)) ids[m] = list = [];
            list.Add(i);
        }

        // n-grams of token ids from self-authored assistant turns seen so far, with the turn they came from.
        var seen = new Dictionary<Gram, int>();
        for (var m = 0; m < transcript.Count; m++)
        {
            if (!ids.TryGetValue(m, out var list)) continue;
            var role = transcript[m].Role;
            if (role == MessageRole.Assistant)
            {
                if (!context.IsSelfAuthored(m)) continue;
                for (var k = 0; k + n <= list.Count; k++) seen.TryAdd(Gram.Of(tokens, list, k, n), m);
                continue;
            }
            if (role is not (MessageRole.User or MessageRole.Tool) || seen.Count == 0 || list.Count < n) continue;

            var covered = new int[list.Count];
            var source = new int[list.Count];
            for (var k = 0; k + n <= list.Count; k++)
            {
                if (!seen.TryGetValue(Gram.Of(tokens, list, k, n), out var from)) continue;
                for (var j = k; j < k + n; j++) { covered[j] = 1; source[j] = from; }
            }
            for (var k = 0; k < list.Count;)
            {
                if (covered[k] == 0) { k++; continue; }
                var start = k;
                while (k < list.Count && covered[k] == 1) k++;
                var length = k - start;
                var detail = ImmutableDictionary<string, object>.Empty
                    .Add("source_message", source[start])
                    .Add("tokens", length)
                    .Add("fraction_of_message", Math.Round((double)length / list.Count, 4));
                findings.Add(new Finding(FindingKinds.SelfEcho, length >= 4 * n || length * 2 >= list.Count ? Severity.High : Severity.Medium,
                    length, n, m, tokens[list[start]].Start, tokens[list[k - 1]].End, detail));
            }
        }
    }

    private readonly record struct Gram(long A, long B)
    {
        public static Gram Of(ImmutableArray<Enaction.Scoring.TokenScore> tokens, List<int> list, int offset, int n)
        {
            // Two independent polynomial hashes make collisions between different runs negligible.
            long a = 17, b = 31;
            for (var i = 0; i < n; i++)
            {
                var id = tokens[list[offset + i]].Id;
                a = unchecked(a * 1_000_003 + id);
                b = unchecked(b * 998_244_353 + id + 7);
            }
            return new Gram(a, b);
        }
    }
}
