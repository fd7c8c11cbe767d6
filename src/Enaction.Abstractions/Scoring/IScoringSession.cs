using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// Incremental scoring of one conversation. Not thread-safe: use one session per conversation, one call at a time.
/// </summary>
/// <remarks>
/// Implementations do the model's work off the caller's thread (or await it), so a caller can time out a call by
/// cancelling its token; a cancelled call stops the work it was doing and leaves the session consistent, so the next
/// call continues from what was fully computed.
/// </remarks>
public interface IScoringSession : IDisposable
{
    /// <summary>
    /// Scores <paramref name="transcript"/>, reusing the cached state of the longest token prefix it shares with
    /// what this session scored last. An edited history is rescored from its first changed token.
    /// </summary>
    ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default);

    /// <summary>What the last <see cref="ScoreAsync"/> call reused and computed (for a cancelled call: what it computed before it stopped).</summary>
    ScoringStatistics LastRun { get; }

    /// <summary>
    /// A new, independent session that starts from this session's current state: scoring a transcript on it reuses
    /// everything this session holds for their shared prefix, and neither session sees the other's later calls. The
    /// model state is shared until one of them changes it, so a fork costs no forward pass. Dispose the fork when done.
    /// </summary>
    /// <remarks>
    /// This is how a second scoring of a turn with its request changed (<c>PromptContrast</c>) branches off the real
    /// transcript at the request without rescoring everything after it.
    /// </remarks>
    IScoringSession Fork();
}

/// <summary>What one scoring call cost.</summary>
/// <param name="TotalTokens">Tokens in the rendered transcript.</param>
/// <param name="ReusedTokens">Tokens whose scores and model state came from the cache.</param>
/// <param name="ComputedTokens">Tokens run through the model in this call.</param>
/// <param name="Elapsed">Wall time of the call.</param>
public readonly record struct ScoringStatistics(int TotalTokens, int ReusedTokens, int ComputedTokens, TimeSpan Elapsed);
