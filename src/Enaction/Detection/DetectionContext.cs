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

    /// <summary>
    /// As <see cref="ScoreAsync(IConversationScorer, Transcript, Calibration?, CancellationToken)"/>, with each assistant
    /// message's generator and source from <paramref name="sources"/>: a surrogate-scored message gets no signature (and
    /// no second scoring) unless <paramref name="surrogateCalibration"/> is given and fitted on its generator, the
    /// equivalent of a policy's <c>surrogate: judge</c>.
    /// </summary>
    public static async Task<DetectionContext> ScoreAsync(IConversationScorer scorer, Transcript transcript, ScoringSourceResolver sources,
        Calibration? calibration = null, Calibration? surrogateCalibration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(transcript);
        var scoring = sources.Resolve(transcript, callModel: null);
        var judged = PromptContrast.Judged(transcript).Where(m => JudgesSignature(scoring, m, surrogateCalibration is not null, surrogateCalibration));
        var scored = await ScoreTurnsAsync(scorer, transcript, judged, calibration, cancellationToken).ConfigureAwait(false);
        return new DetectionContext(scored.Scores, calibration, contrasts: scored.Contrasts)
        {
            Statistics = scored.Statistics,
            ContrastStatistics = scored.ContrastStatistics,
            Scoring = scoring,
            ScorerSource = sources.ScorerSource,
            JudgeSurrogates = surrogateCalibration is not null,
            SurrogateCalibration = surrogateCalibration,
        };
    }

    /// <summary>
    /// False for a surrogate-scored message the signature detectors do not judge: surrogates are not judged
    /// (<paramref name="judgeSurrogates"/> false) or no surrogate calibration fitted on its generator is loaded.
    /// </summary>
    public static bool JudgesSignature(ImmutableArray<MessageScoring> scoring, int message, bool judgeSurrogates, Calibration? surrogateCalibration)
    {
        foreach (var s in scoring)
        {
            if (s.Message != message) continue;
            return s.Source != ScoringSource.Surrogate || (judgeSurrogates && surrogateCalibration?.AppliesToSurrogate(s.Generator) == true);
        }
        return true;
    }

    /// <summary>What scoring the transcript cost, when this context was made by <see cref="ScoreAsync(IConversationScorer, Transcript, Calibration?, CancellationToken)"/> (zero otherwise).</summary>
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

    private ImmutableArray<MessageScoring> _scoring = [];
    private Dictionary<int, MessageScoring>? _scoringByMessage;

    /// <summary>
    /// Whose distribution scored each assistant message (<see cref="ScoringSourceResolver"/>); an assistant message
    /// not listed was scored by <see cref="ScorerSource"/>. Empty by default: every message is the scorer's own.
    /// </summary>
    public ImmutableArray<MessageScoring> Scoring
    {
        get => _scoring;
        init
        {
            _scoring = value.IsDefault ? [] : value;
            _scoringByMessage = _scoring.IsEmpty ? null : _scoring.ToDictionary(s => s.Message);
        }
    }

    /// <summary>The source of the scorer's numbers for text its own model wrote, and for every non-assistant message (default same-model).</summary>
    public ScoringSource ScorerSource { get; init; } = ScoringSource.SameModel;

    /// <summary>
    /// True when the policy opts in to judging surrogate-scored messages by their signature (<c>surrogate: judge</c>);
    /// even then only with <see cref="SurrogateCalibration"/>.
    /// </summary>
    public bool JudgeSurrogates { get; init; }

    /// <summary>Thresholds fitted for the scorer as a surrogate (<see cref="Calibration.SurrogateFor"/>), or null.</summary>
    public Calibration? SurrogateCalibration { get; init; }

    /// <summary>The scoring of message <paramref name="message"/> (generator and source), or null for a message not listed in <see cref="Scoring"/>.</summary>
    public MessageScoring? ScoringOf(int message) =>
        _scoringByMessage is { } map && map.TryGetValue(message, out var s) ? s : null;

    /// <summary>Where the token statistics of message <paramref name="message"/> came from.</summary>
    public ScoringSource SourceOf(int message) => ScoringOf(message)?.Source ?? ScorerSource;

    /// <summary>
    /// The calibration that applies to message <paramref name="message"/>: <see cref="Calibration"/> for the scorer's own
    /// numbers, the surrogate calibration fitted on the message's generator for a surrogate-scored message the policy
    /// judges, and null otherwise (a surrogate message is never judged with same-model thresholds).
    /// </summary>
    public Calibration? CalibrationFor(int message)
    {
        if (SourceOf(message) != ScoringSource.Surrogate) return Calibration;
        return JudgeSurrogates && SurrogateCalibration is { } c && ScoringOf(message) is { } s && c.AppliesToSurrogate(s.Generator) ? c : null;
    }

    /// <summary>
    /// True when message <paramref name="message"/>'s source supplies the token statistics a detector that needs
    /// <paramref name="needs"/> reads: always for a detector that reads none; for a surrogate-scored message only when
    /// the policy judges surrogates and a surrogate calibration for its generator is loaded.
    /// </summary>
    public bool Reads(int message, DetectorNeeds needs)
    {
        var statistics = needs & DetectorNeeds.Statistics;
        if (statistics == DetectorNeeds.None) return true;
        var source = SourceOf(message);
        if (source == ScoringSource.Surrogate) return CalibrationFor(message) is not null;
        return (Supplies(source) & statistics) != DetectorNeeds.None;
    }

    /// <summary>The token statistics a scoring source supplies (a surrogate supplies none of the generator's).</summary>
    public static DetectorNeeds Supplies(ScoringSource source) => source switch
    {
        ScoringSource.SameModel => DetectorNeeds.Statistics,
        ScoringSource.ServedLogprobs => DetectorNeeds.PromptLogprobs | DetectorNeeds.ResponseLogprobs,
        ScoringSource.GeneratorLogprobs => DetectorNeeds.ResponseLogprobs,
        _ => DetectorNeeds.None,
    };

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
