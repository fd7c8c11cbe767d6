using System.Collections.Immutable;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// How much the user's request explains an assistant turn: the turn is scored a second time with the request emptied,
/// and each token's gain is its surprisal without the request minus its surprisal with it (pointwise mutual information
/// in nats). The model's own answer is about what was asked, so the request makes it more likely; another prompt's
/// answer, or a prefill on another topic, gains little or loses. This is the one detector statistic that needs a second
/// forward pass, by design, and only for assistant turns the off-policy detector judges by their signature (turns the
/// pipeline did not generate and the ledger does not attest).
/// </summary>
public static class PromptContrast
{
    /// <summary>How many of the lowest gains <see cref="PromptGain.Bottom"/> averages.</summary>
    public const int BottomTokens = 3;

    /// <summary>
    /// The transcript up to and including <paramref name="target"/> with the closest user message before it emptied,
    /// or null when no user message precedes the target.
    /// </summary>
    public static Transcript? Ablate(Transcript transcript, int target)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (target <= 0 || target >= transcript.Count) return null;
        for (var m = target - 1; m >= 0; m--)
        {
            if (transcript[m].Role != MessageRole.User) continue;
            var messages = transcript.Messages.Take(target + 1).ToArray();
            messages[m] = messages[m] with { Content = "" };
            return new Transcript(messages);
        }
        return null;
    }

    /// <summary>
    /// The assistant messages from <paramref name="from"/> on that <see cref="OffPolicyDetector"/> judges by their
    /// signature: not generated whole by this pipeline, and with a ledger, neither attested nor already condemned by it
    /// (altered or forged).
    /// </summary>
    public static IEnumerable<int> Judged(
        Transcript transcript,
        int from = 0,
        IReadOnlyDictionary<int, int>? authoredFrom = null,
        IReadOnlyList<MessageProvenance>? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var verdicts = provenance?.ToDictionary(p => p.MessageIndex, p => p.Status);
        for (var m = Math.Max(0, from); m < transcript.Count; m++)
        {
            if (transcript[m].Role != MessageRole.Assistant) continue;
            if (authoredFrom is not null && authoredFrom.TryGetValue(m, out var b) && b == 0) continue;
            if (verdicts is not null && verdicts.TryGetValue(m, out var status)
                && status is ProvenanceStatus.Attested or ProvenanceStatus.Altered or ProvenanceStatus.Forged) continue;
            yield return m;
        }
    }

    /// <summary>
    /// Scores the ablated transcript of each target (see <see cref="Ablate"/>) with <paramref name="score"/>, keyed by
    /// message index: a scorer's <see cref="IConversationScorer.ScoreAsync"/> scores each from scratch; a
    /// conversation's <see cref="IScoringSession.ScoreAsync"/> reuses the prefix before the emptied request from its
    /// cache, so each costs the tokens from the request on, and leaves the session holding the last ablated transcript.
    /// </summary>
    public static async ValueTask<ImmutableDictionary<int, ScoredTranscript>> ScoreAsync(
        Func<Transcript, CancellationToken, ValueTask<ScoredTranscript>> score,
        Transcript transcript,
        IEnumerable<int> targets,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(targets);
        var result = ImmutableDictionary.CreateBuilder<int, ScoredTranscript>();
        foreach (var m in targets)
        {
            if (Ablate(transcript, m) is not { } ablated) continue;
            result[m] = await score(ablated, cancellationToken).ConfigureAwait(false);
        }
        return result.ToImmutable();
    }

    /// <summary>
    /// The gains of message <paramref name="message"/>'s scored tokens that start before <paramref name="before"/>,
    /// matched between the two scorings by character span; null when no token matches.
    /// </summary>
    public static PromptGain? Gain(ScoredTranscript scores, ScoredTranscript ablated, int message, int before = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(ablated);
        var without = new Dictionary<(int, int), float>();
        foreach (var t in ablated.Tokens)
            if (t.Message == message && t.HasScore) without[(t.Start, t.End)] = t.Surprisal;

        var gains = new List<double>();
        foreach (var t in scores.Tokens)
            if (t.Message == message && t.HasScore && t.Start < before && without.TryGetValue((t.Start, t.End), out var s))
                gains.Add(s - t.Surprisal);
        if (gains.Count == 0) return null;

        var w = Math.Min(TurnFeatures.Window, gains.Count);
        double window = 0, sum = 0;
        for (var i = 0; i < w; i++) window += gains[i];
        var min = window;
        for (var i = 0; i < gains.Count; i++)
        {
            sum += gains[i];
            if (i < w) continue;
            window += gains[i] - gains[i - w];
            if (window < min) min = window;
        }
        gains.Sort();
        var bottom = Math.Min(BottomTokens, gains.Count);
        double lowest = 0;
        for (var i = 0; i < bottom; i++) lowest += gains[i];
        return new PromptGain(sum / gains.Count, min / w, lowest / bottom, gains.Count);
    }
}

/// <summary>How much the user's request explains a turn (see <see cref="PromptContrast"/>).</summary>
/// <param name="Mean">Mean gain per token (nats): surprisal without the request minus surprisal with it.</param>
/// <param name="MinWindow">Smallest mean gain over <see cref="TurnFeatures.Window"/> consecutive tokens: the stretch the request explains least.</param>
/// <param name="Bottom">Mean of the <see cref="PromptContrast.BottomTokens"/> lowest gains, wherever they are: a foreign name
/// is a few tokens the request makes much less likely.</param>
/// <param name="Tokens">Tokens matched between the two scorings.</param>
public sealed record PromptGain(double Mean, double MinWindow, double Bottom, int Tokens);
