using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// Scores transcripts by teacher forcing with one causal language model. Implementations are thread-safe:
/// one scorer serves many conversations at once.
/// </summary>
public interface IConversationScorer : IDisposable
{
    /// <summary>The model's identifier.</summary>
    string ModelId { get; }

    /// <summary>Scores a whole transcript from scratch.</summary>
    ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a per-conversation session that keeps the model state of what it has scored, so scoring the
    /// conversation again after new turns costs only the new tokens.
    /// </summary>
    IScoringSession OpenSession();
}
