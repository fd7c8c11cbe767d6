using System.Collections.Immutable;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// How much the input the model answered explains an assistant turn: the turn is scored a second time with that input
/// emptied (every user and tool message since the previous assistant turn: the request and any tool results),
/// and each token's gain is its surprisal without the request minus its surprisal with it (pointwise mutual information
/// in nats). The model's own answer is about what was asked, so the request makes it more likely; another prompt's
/// answer, or a prefill on another topic, gains little or loses. This is the one detector statistic that needs a second
/// forward pass, by design, and only for assistant turns the off-policy detector judges by their signature (turns the
/// pipeline did not generate and the ledger does not attest); it runs on a fork of the conversation's scoring session
/// taken at the request, so it costs the request and the turn, never the history.
/// </summary>
public static class PromptContrast
{
    /// <summary>How many of the lowest gains <see cref="PromptGain.Bottom"/> averages.</summary>
    public const int BottomTokens = 3;

    /// <summary>
    /// The transcript up to and including <paramref name="target"/> with every user and tool message since the previous
    /// assistant turn emptied (the request and any tool results between it and the target: a tool result left in place
    /// would still explain a foreign answer), or null when there is none. System messages and everything up to the
    /// previous assistant turn stay.
    /// </summary>
    public static Transcript? Ablate(Transcript transcript, int target)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (RequestOf(transcript, target) is not { } first) return null;
        var messages = transcript.Messages.Take(target + 1).ToArray();
        for (var m = first; m < target; m++)
            if (messages[m].Role is MessageRole.User or MessageRole.Tool) messages[m] = messages[m] with { Content = "" };
        return new Transcript(messages) { Tools = transcript.Tools };
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
    /// Scores <paramref name="transcript"/> on <paramref name="session"/>, and the ablated transcript of each target (see
    /// <see cref="Ablate"/>) on a fork of it taken at the target's request: the session is brought up to the message
    /// before the request, forked (<see cref="IScoringSession.Fork"/>), the fork scores the emptied request and the
    /// turn, and the session goes on with the real transcript. Each second scoring therefore costs only the request and
    /// the turn, and judging every turn of a transcript costs tokens linear in its length, not quadratic. The session
    /// is left holding <paramref name="transcript"/>, so a later call costs only what is new.
    /// </summary>
    public static async ValueTask<ContrastedScores> ScoreAsync(
        IScoringSession session,
        Transcript transcript,
        IEnumerable<int> targets,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(targets);
        var ordered = new SortedSet<int>(targets);
        var contrasts = ImmutableDictionary.CreateBuilder<int, ScoredTranscript>();
        var main = new Cost();
        var branches = new Cost();
        var at = -1;
        foreach (var m in ordered)
        {
            if (Ablate(transcript, m) is not { } ablated) continue;
            var request = RequestOf(transcript, m)!.Value;
            // A prefix of system messages alone may render to nothing (Llama 2 writes the system prompt inside the
            // first user turn); the fork then starts from whatever the session holds.
            if (request != at && HasTurn(transcript, request))
            {
                await session.ScoreAsync(transcript.Take(request), cancellationToken).ConfigureAwait(false);
                main.Add(session.LastRun);
                at = request;
            }
            using var branch = session.Fork();
            contrasts[m] = await branch.ScoreAsync(ablated, cancellationToken).ConfigureAwait(false);
            branches.Add(branch.LastRun);
        }
        var scores = await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
        main.Add(session.LastRun);
        return new ContrastedScores(scores, contrasts.ToImmutable(), main.Statistics(session.LastRun.TotalTokens), branches.Statistics());
    }

    /// <summary>
    /// The first user or tool message after the last assistant turn before <paramref name="target"/> (where the ablation
    /// starts, and where the fork is taken), or null when there is none.
    /// </summary>
    private static int? RequestOf(Transcript transcript, int target)
    {
        if (target <= 0 || target >= transcript.Count) return null;
        int? first = null;
        for (var m = target - 1; m >= 0 && transcript[m].Role != MessageRole.Assistant; m--)
            if (transcript[m].Role is MessageRole.User or MessageRole.Tool) first = m;
        return first;
    }

    private static bool HasTurn(Transcript transcript, int count)
    {
        for (var i = 0; i < count; i++)
            if (transcript[i].Role != MessageRole.System) return true;
        return false;
    }

    /// <summary>Scoring calls added up.</summary>
    private sealed class Cost
    {
        private long _total, _computed;
        private TimeSpan _elapsed;

        public void Add(ScoringStatistics run)
        {
            _total += run.TotalTokens;
            _computed += run.ComputedTokens;
            _elapsed += run.Elapsed;
        }

        /// <summary>The sum, counting <paramref name="total"/> tokens in all (default: every call's tokens).</summary>
        public ScoringStatistics Statistics(int? total = null)
        {
            var tokens = total ?? (int)Math.Min(int.MaxValue, _total);
            var computed = (int)Math.Min(int.MaxValue, _computed);
            return new ScoringStatistics(tokens, Math.Max(0, tokens - computed), computed, _elapsed);
        }
    }

    /// <summary>
    /// The gains of message <paramref name="message"/>'s scored tokens that start before <paramref name="before"/>,
    /// matched between the two scorings by character span; null when no token matches.
    /// </summary>
    public static PromptGain? Gain(ScoredTranscript scores, ScoredTranscript ablated, int message, int before = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(ablated);
        // The message is the ablated transcript's last, and content tokens come in message order: read it from the end
        // and stop at an earlier message, so a contrast costs its turn, not the history before it.
        var without = new Dictionary<(int, int), float>();
        var ablatedTokens = ablated.Tokens.AsSpan();
        for (var i = ablatedTokens.Length - 1; i >= 0; i--)
        {
            ref readonly var t = ref ablatedTokens[i];
            if (t.Message >= 0 && t.Message < message) break;
            if (t.Message == message && t.HasScore) without[(t.Start, t.End)] = t.Surprisal;
        }

        var gains = new List<double>();
        var content = (uint)message < (uint)scores.Transcript.Count ? scores.Transcript[message].Content : "";
        foreach (var t in scores.Tokens.AsSpan()[scores.TokensOf(message)])
            if (t.Message == message && t.HasScore && t.Start < before && !ContentTokens.IsReplaced(content, t.Start, t.End)
                && without.TryGetValue((t.Start, t.End), out var s))
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
