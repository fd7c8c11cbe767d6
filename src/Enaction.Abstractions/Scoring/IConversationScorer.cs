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

    /// <summary>
    /// The SHA-256 (lower-case hex) of the weights the scorer runs, when it knows them: the identity calibrations are
    /// tied to, so a calibration fitted for other weights is refused. Null when the scorer cannot say.
    /// </summary>
    string? WeightsSha256 => null;

    /// <summary>
    /// The arithmetic the scorer computes in, named as calibration files record it (<c>float32</c>, <c>int8</c>), so
    /// a calibration fitted at another precision raises a warning. Null when the scorer cannot say.
    /// </summary>
    string? Precision => null;

    /// <summary>Scores a whole transcript from scratch.</summary>
    ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a per-conversation session that keeps the model state of what it has scored, so scoring the
    /// conversation again after new turns costs only the new tokens.
    /// </summary>
    IScoringSession OpenSession();
}
