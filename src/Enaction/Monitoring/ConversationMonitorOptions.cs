using Enaction.Detection;
using Enaction.Provenance;

namespace Enaction.Monitoring;

/// <summary>What the monitor runs besides the scorer and the policy. Every member has a working default.</summary>
public sealed class ConversationMonitorOptions
{
    /// <summary>The detectors; <see cref="DetectorSet.Default"/> when null.</summary>
    public DetectorSet? Detectors { get; set; }

    /// <summary>Calibrated thresholds for the scoring model, from <c>enaction calibrate</c>; built-in thresholds when null.</summary>
    public Calibration? Calibration { get; set; }

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

    /// <summary>The clock for latencies and records.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws when a setting is out of range, naming the setting and what it accepts.</summary>
    public void Validate()
    {
        if (SessionCapacity < 1)
            throw new ArgumentOutOfRangeException(nameof(SessionCapacity), SessionCapacity, $"{nameof(SessionCapacity)} is {SessionCapacity}; expected 1 or more conversations.");
        Conformal?.Validate();
        if (ScoringTimeout is { } t && t <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ScoringTimeout), t, $"{nameof(ScoringTimeout)} is {t}; expected a positive time span.");
    }
}
