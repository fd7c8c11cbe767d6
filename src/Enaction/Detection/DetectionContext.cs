using System.Collections.Immutable;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>Everything detectors read about one transcript.</summary>
public sealed class DetectionContext
{
    private readonly Dictionary<int, TurnFeatures?> _features = [];

    /// <summary>Creates a context.</summary>
    /// <param name="scores">The scorer's output for the transcript.</param>
    /// <param name="calibration">Thresholds for this model, or null for the documented defaults.</param>
    /// <param name="provenance">The ledger's verdict on each assistant message, or null when no ledger is configured.</param>
    /// <param name="authoredFrom">For messages the pipeline generated: the character offset where model-authored text
    /// begins (0 for a whole generated turn, the prefill's length for a continued prefill).</param>
    /// <param name="contrasts">For assistant messages judged by their signature: the transcript scored with the request
    /// emptied (<see cref="PromptContrast.ScoreAsync"/>), by message index; messages without one lack the prompt-gain
    /// features.</param>
    public DetectionContext(
        ScoredTranscript scores,
        Calibration? calibration = null,
        IReadOnlyList<MessageProvenance>? provenance = null,
        IReadOnlyDictionary<int, int>? authoredFrom = null,
        IReadOnlyDictionary<int, ScoredTranscript>? contrasts = null)
    {
        Contrasts = contrasts ?? ImmutableDictionary<int, ScoredTranscript>.Empty;
        Scores = scores ?? throw new ArgumentNullException(nameof(scores));
        Calibration = calibration;
        Provenance = provenance?.ToImmutableDictionary(p => p.MessageIndex);
        AuthoredFrom = authoredFrom ?? ImmutableDictionary<int, int>.Empty;
    }

    /// <summary>
    /// Scores <paramref name="transcript"/> from scratch in a new session of <paramref name="scorer"/>, and each
    /// assistant turn the off-policy detector judges by its signature a second time without its request, on a fork of
    /// that session (<see cref="PromptContrast.ScoreAsync"/>): everything the detectors read about a transcript with no
    /// ledger and no turn generated in a pipeline, at a cost in tokens linear in the transcript's length.
    /// </summary>
    public static Task<DetectionContext> ScoreAsync(IConversationScorer scorer, Transcript transcript, Calibration? calibration = null,
        CancellationToken cancellationToken = default) =>
        ScoreTurnsAsync(scorer, transcript, PromptContrast.Judged(transcript), calibration, cancellationToken);

    /// <summary>
    /// As <see cref="ScoreAsync(IConversationScorer, Transcript, Calibration?, CancellationToken)"/>, with the prompt
    /// contrast computed only for the assistant turns in <paramref name="judged"/> (each costs a second scoring), for
    /// callers that judge some turns and take the others as given.
    /// </summary>
    public static async Task<DetectionContext> ScoreTurnsAsync(IConversationScorer scorer, Transcript transcript, IEnumerable<int> judged,
        Calibration? calibration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(transcript);
        using var session = scorer.OpenSession();
        var scored = await PromptContrast.ScoreAsync(session, transcript, judged, cancellationToken).ConfigureAwait(false);
        return new DetectionContext(scored.Scores, calibration, contrasts: scored.Contrasts)
        {
            Statistics = scored.Statistics,
            ContrastStatistics = scored.ContrastStatistics,
        };
    }

    /// <summary>What scoring the transcript cost, when this context was made by <see cref="ScoreAsync"/> (zero otherwise).</summary>
    public ScoringStatistics Statistics { get; init; }

    /// <summary>What the second scorings without the request cost, added over every judged turn (zero when none were made here).</summary>
    public ScoringStatistics ContrastStatistics { get; init; }

    /// <summary>
    /// The off-policy threshold set from the model's own turns in this deployment (<see cref="Conformal.ConformalThresholds"/>),
    /// which replaces the calibration's; null when the shipped threshold applies.
    /// </summary>
    public Conformal.ConformalThreshold? OffPolicyThreshold { get; init; }

    /// <summary>The scored transcript.</summary>
    public ScoredTranscript Scores { get; }
    /// <summary>The transcript.</summary>
    public Transcript Transcript => Scores.Transcript;
    /// <summary>Calibration, or null.</summary>
    public Calibration? Calibration { get; }
    /// <summary>Ledger verdicts by message index, or null when no ledger is configured.</summary>
    public ImmutableDictionary<int, MessageProvenance>? Provenance { get; }
    /// <summary>Second scorings with the request emptied, by message index (see <see cref="PromptContrast"/>).</summary>
    public IReadOnlyDictionary<int, ScoredTranscript> Contrasts { get; }
    /// <summary>Where model-authored text begins in messages the pipeline generated.</summary>
    public IReadOnlyDictionary<int, int> AuthoredFrom { get; }

    /// <summary>
    /// True when the message is an assistant turn the model itself wrote: attested by the ledger, or generated in
    /// this pipeline, or (with no ledger) any assistant turn whose signature is not being questioned.
    /// </summary>
    public bool IsSelfAuthored(int message)
    {
        if (Transcript[message].Role != MessageRole.Assistant) return false;
        if (AuthoredFrom.ContainsKey(message)) return true;
        if (Provenance is null) return true;
        return Provenance.TryGetValue(message, out var p) && p.Status == ProvenanceStatus.Attested;
    }

    /// <summary>The features of a message (cached).</summary>
    public TurnFeatures? Features(int message)
    {
        if (!_features.TryGetValue(message, out var f))
            _features[message] = f = TurnFeatures.Compute(Scores, message, AuthoredFrom.GetValueOrDefault(message), contrast: Contrasts.GetValueOrDefault(message));
        return f;
    }
}
