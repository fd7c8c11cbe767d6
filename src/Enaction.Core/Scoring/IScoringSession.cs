using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// Incremental scoring of one conversation. Not thread-safe: use one session per conversation.
/// </summary>
public interface IScoringSession : IDisposable
{
    /// <summary>
    /// Scores <paramref name="transcript"/>, reusing the cached state of the longest token prefix it shares with
    /// what this session scored last. An edited history is rescored from its first changed token.
    /// </summary>
    ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default);

    /// <summary>What the last <see cref="ScoreAsync"/> call reused and computed.</summary>
    ScoringStatistics LastRun { get; }
}

/// <summary>What one scoring call cost.</summary>
/// <param name="TotalTokens">Tokens in the rendered transcript.</param>
/// <param name="ReusedTokens">Tokens whose scores and model state came from the cache.</param>
/// <param name="ComputedTokens">Tokens run through the model in this call.</param>
/// <param name="Elapsed">Wall time of the call.</param>
public readonly record struct ScoringStatistics(int TotalTokens, int ReusedTokens, int ComputedTokens, TimeSpan Elapsed);
