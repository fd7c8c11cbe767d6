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
    /// Whose distribution this scorer's numbers are for a generator it serves (<see cref="ModelId"/> or one of
    /// <see cref="ServedModelIds"/>): <see cref="ScoringSource.SameModel"/> for a scorer that runs the weights itself
    /// (the full distribution), <see cref="ScoringSource.ServedLogprobs"/> for one that asks an engine serving them for
    /// top-k prompt log-probabilities (bounded entropy). For any other generator its numbers are a
    /// <see cref="ScoringSource.Surrogate"/>'s.
    /// </summary>
    ScoringSource Source => ScoringSource.SameModel;

    /// <summary>
    /// Generator model ids, besides <see cref="ModelId"/>, whose text this scorer scores with the generator's own
    /// weights (the names a provider reports for the same model: a deployment name, a served model name). Compared
    /// ordinally with an assistant message's <c>Model</c>. Empty by default.
    /// </summary>
    IReadOnlyList<string> ServedModelIds => [];

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
