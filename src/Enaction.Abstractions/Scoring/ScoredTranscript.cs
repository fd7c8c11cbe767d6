using System.Collections.Immutable;
using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>A transcript with every token of its rendering scored by one model.</summary>
public sealed class ScoredTranscript
{
    /// <summary>Creates a scored transcript.</summary>
    public ScoredTranscript(string modelId, Transcript transcript, ImmutableArray<TokenScore> tokens)
    {
        ModelId = modelId;
        Transcript = transcript;
        Tokens = tokens;
    }

    /// <summary>The scoring model's identifier (its directory name or configured id).</summary>
    public string ModelId { get; }

    /// <summary>The transcript that was scored.</summary>
    public Transcript Transcript { get; }

    /// <summary>All tokens of the rendered transcript, in order.</summary>
    public ImmutableArray<TokenScore> Tokens { get; }

    /// <summary>
    /// For scores computed from top-k log-probabilities (<see cref="ScoringSource.GeneratorLogprobs"/>,
    /// <see cref="ScoringSource.ServedLogprobs"/>): the bounds of each token's entropy, parallel to <see cref="Tokens"/>
    /// (<see cref="TokenScore.Entropy"/> is then the point estimate, see <see cref="TopLogprobEntropy"/>). Default (not
    /// set) when every entropy is exact.
    /// </summary>
    public ImmutableArray<EntropyInterval> EntropyBounds { get; init; }

    /// <summary>
    /// The nucleus the scored model's own turns are sampled from: the top-p of its generator at a temperature of at most
    /// 1 (0 for greedy decoding), so no token it wrote itself has <see cref="TokenScore.MassAbove"/> at or above it.
    /// Null when that is not known or not a bound (temperature above 1, or plain sampling with top-p 1): the nucleus
    /// features are then not computed.
    /// </summary>
    public double? SamplingTopP { get; init; }

    /// <summary>
    /// The same scores judged against another sampler's nucleus (<see cref="SamplingTopP"/>), such as the one a call
    /// asked for (<see cref="SamplerNucleus"/>); this instance when it is already that one.
    /// </summary>
    public ScoredTranscript WithSamplingTopP(double? samplingTopP) =>
        samplingTopP == SamplingTopP ? this : new ScoredTranscript(ModelId, Transcript, Tokens) { EntropyBounds = EntropyBounds, SamplingTopP = samplingTopP };

    private Range[]? _ranges;

    /// <summary>
    /// The contiguous range of <see cref="Tokens"/> whose content belongs to message <paramref name="message"/> (empty
    /// when it has none). The ranges of all messages are found in one pass on first use, so asking for every message
    /// costs the transcript once, not once per message.
    /// </summary>
    public Range TokensOf(int message)
    {
        var ranges = _ranges ??= FindRanges(); // a benign race: every thread computes the same ranges
        return (uint)message < (uint)ranges.Length ? ranges[message] : new Range(0, 0);
    }

    private Range[] FindRanges()
    {
        var count = Transcript.Count;
        var first = new int[count];
        var last = new int[count];
        Array.Fill(first, -1);
        var tokens = Tokens.AsSpan();
        for (var i = 0; i < tokens.Length; i++)
        {
            var m = tokens[i].Message;
            if ((uint)m >= (uint)count) continue;
            if (first[m] < 0) first[m] = i;
            last[m] = i;
        }
        var ranges = new Range[count];
        for (var m = 0; m < count; m++) ranges[m] = first[m] < 0 ? new Range(0, 0) : new Range(first[m], last[m] + 1);
        return ranges;
    }

    /// <summary>Mean entropy and surprisal over the scored content tokens of each message.</summary>
    public ImmutableArray<MessageScore> MessageScores()
    {
        var count = Transcript.Count;
        var sumH = new double[count];
        var sumS = new double[count];
        var n = new int[count];
        foreach (var t in Tokens)
        {
            if (t.Message < 0 || !t.HasScore) continue;
            sumH[t.Message] += t.Entropy;
            sumS[t.Message] += t.Surprisal;
            n[t.Message]++;
        }
        var result = ImmutableArray.CreateBuilder<MessageScore>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(new MessageScore(i, Transcript[i].Role, n[i],
                n[i] == 0 ? double.NaN : sumH[i] / n[i],
                n[i] == 0 ? double.NaN : sumS[i] / n[i]));
        }
        return result.MoveToImmutable();
    }
}

/// <summary>Per-message means over its scored content tokens.</summary>
/// <param name="Message">Message index.</param>
/// <param name="Role">Message role.</param>
/// <param name="Tokens">Number of scored content tokens.</param>
/// <param name="MeanEntropy">Mean entropy in nats (NaN when no token was scored).</param>
/// <param name="MeanSurprisal">Mean surprisal in nats (NaN when no token was scored).</param>
public readonly record struct MessageScore(int Message, MessageRole Role, int Tokens, double MeanEntropy, double MeanSurprisal);
