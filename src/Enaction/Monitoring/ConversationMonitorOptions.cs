using Enaction.Detection;
using Enaction.Provenance;
using Enaction.Scoring;

namespace Enaction.Monitoring;

/// <summary>What the monitor runs besides the scorer and the policy. Every member has a working default.</summary>
public sealed class ConversationMonitorOptions
{
    /// <summary>The detectors; <see cref="DetectorSet.Default"/> when null.</summary>
    public DetectorSet? Detectors { get; set; }

    /// <summary>Calibrated thresholds for the scoring model, from <c>enaction calibrate</c>; built-in thresholds when null.</summary>
    public Calibration? Calibration { get; set; }

    /// <summary>
    /// Thresholds fitted for the scorer as a surrogate of another generator (<see cref="Calibration.SurrogateFor"/>):
    /// the only thresholds the signature detectors judge surrogate-scored messages with, and only under a policy that
    /// says <c>surrogate: judge</c>. Null: surrogate-scored messages get no signature finding.
    /// </summary>
    public Calibration? SurrogateCalibration { get; set; }

    /// <summary>How generators are bound to the scorer's weights (default generator, same-model aliases, weights by id).</summary>
    public ScoringSourceOptions Sources { get; set; } = new();

    /// <summary>
    /// The provenance ledger. When set, assistant turns in a request are verified against it and every response this
    /// pipeline generates is attested. When null, only responses this process generated count as the model's own.
    /// </summary>
    public ProvenanceLedger? Ledger { get; set; }

    /// <summary>
    /// Whether conversations whose id was derived from their opening messages (the host named none) are attested and
    /// verified. Default false: two users who open with the same system prompt and question share a derived id, so one
    /// user's attestation would supersede the other's and a genuine turn would be reported unattested. Name
    /// conversations (<c>ChatOptions.ConversationId</c>, <see cref="EnactionScope"/>) to get the ledger.
    /// </summary>
    public bool AttestDerivedConversationIds { get; set; }

    /// <summary>Where completed turns are recorded for replay; nothing is recorded when null.</summary>
    public ITurnRecorder? Recorder { get; set; }

    /// <summary>
    /// Conformal thresholds (off when null): the off-policy threshold follows the model's own completed turns once enough
    /// are seen. A policy's <c>conformal:</c> block takes precedence over this.
    /// </summary>
    public Conformal.ConformalOptions? Conformal { get; set; }

    /// <summary>Where the reservoirs of own-turn scores are kept (the ledger's SQLite file, the fleet's server); in memory when null.</summary>
    public Conformal.IOwnScoreStore? OwnScores { get; set; }

    /// <summary>How many conversations keep a scoring session (least recently used ones are dropped). Default 64.</summary>
    public int SessionCapacity { get; set; } = 64;

    /// <summary>Overrides the policy's scoring timeout when set (tests, benchmarks).</summary>
    public TimeSpan? ScoringTimeout { get; set; }

    /// <summary>
    /// Top log-probabilities to ask a generator for with its answer (OpenAI's <c>top_logprobs</c>, 0 to 20; default
    /// 20) when the generator is not a model the scorer runs and the policy has a rule for a finding the response's own
    /// log-probabilities can give (<see cref="ConversationMonitor.GeneratorLogprobKinds"/>). 0 never asks (some
    /// providers refuse <c>logprobs</c>, OpenAI's reasoning models among them).
    /// </summary>
    public int GeneratorTopLogprobs { get; set; } = Enaction.Scoring.TopLogprobEntropy.MaxOpenAITopLogprobs;

    /// <summary>The generator's vocabulary size, or an upper limit of it, for the entropy's upper bound (default 262,144).</summary>
    public int GeneratorVocabularySize { get; set; } = Enaction.Scoring.TopLogprobEntropy.DefaultVocabularyLimit;

    /// <summary>The clock for latencies and records.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws when a setting is out of range, naming the setting and what it accepts.</summary>
    public void Validate()
    {
        if (SessionCapacity < 1)
            throw new ArgumentOutOfRangeException(nameof(SessionCapacity), SessionCapacity, $"{nameof(SessionCapacity)} is {SessionCapacity}; expected 1 or more conversations.");
        if (GeneratorTopLogprobs is < 0 or > 20)
            throw new ArgumentOutOfRangeException(nameof(GeneratorTopLogprobs), GeneratorTopLogprobs, $"{nameof(GeneratorTopLogprobs)} is {GeneratorTopLogprobs}; expected 0 (never ask) to 20.");
        if (GeneratorVocabularySize < 2)
            throw new ArgumentOutOfRangeException(nameof(GeneratorVocabularySize), GeneratorVocabularySize, $"{nameof(GeneratorVocabularySize)} is {GeneratorVocabularySize}; expected the generator's vocabulary size (default 262144).");
        if (Calibration?.SurrogateFor is { } generator)
            throw new ArgumentException($"{nameof(Calibration)} is a surrogate calibration (surrogate_for \"{generator}\"); set it as {nameof(SurrogateCalibration)}, and give {nameof(Calibration)} one fitted on the scorer's own text.", nameof(Calibration));
        if (SurrogateCalibration is { SurrogateFor: null } own)
            throw new ArgumentException($"{nameof(SurrogateCalibration)} was fitted on the scoring model's own text (model \"{own.ModelId}\", no surrogate_for); a surrogate calibration names the generator it was fitted on (`enaction calibrate --surrogate-for ID`).", nameof(SurrogateCalibration));
        ArgumentNullException.ThrowIfNull(Sources, nameof(Sources));
        Sources.Validate();
        Conformal?.Validate();
        if (ScoringTimeout is { } t && t <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ScoringTimeout), t, $"{nameof(ScoringTimeout)} is {t}; expected a positive time span.");
    }
}
