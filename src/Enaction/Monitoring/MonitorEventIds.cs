namespace Enaction.Monitoring;

/// <summary>Stable event ids of the monitor's log events; saved Seq queries filter on these (see seq/README.md).</summary>
public static class MonitorEventIds
{
    /// <summary>A detector reported a finding.</summary>
    public const int FindingDetected = 4101;
    /// <summary>The policy decided at least one action.</summary>
    public const int PolicyDecided = 4102;
    /// <summary>An action ran, with its outcome.</summary>
    public const int ActionExecuted = 4103;
    /// <summary>Scoring threw or timed out.</summary>
    public const int ScoringFailed = 4104;
    /// <summary>A changed policy file was loaded.</summary>
    public const int PolicyReloaded = 4105;
    /// <summary>A changed policy file was rejected; the previous policy stays in force.</summary>
    public const int PolicyRejected = 4106;
    /// <summary>A stage was monitored (debug level): tokens and latency.</summary>
    public const int TurnMonitored = 4107;
    /// <summary>A turn was escalated to a host callback.</summary>
    public const int Escalated = 4108;
    /// <summary>An attestation or audit record could not be written; the record travels in the event.</summary>
    public const int RecordingFailed = 4109;
    /// <summary>History assistant turns could not be judged (scoring failed) and got the policy's unjudged treatment.</summary>
    public const int UnjudgedTurns = 4110;
    /// <summary>Once per generator (at start-up, or when the monitor first meets it): its scoring source and which detectors are live and off, with why.</summary>
    public const int GeneratorDetectors = 4111;
    /// <summary>A policy rule matches only finding kinds that no detector can report for the configured generators' sources.</summary>
    public const int RuleCannotFire = 4112;
    /// <summary>The off-policy threshold in force for a model and agent changed (conformal, or back to the shipped one).</summary>
    public const int ConformalThresholdChanged = 4131;
    /// <summary>The recent own-turn scores of a model and agent drifted from the reservoir (two-sample Kolmogorov-Smirnov).</summary>
    public const int OwnScoreDrift = 4132;
    /// <summary>The own-turn score store could not be read or written; the threshold in force stays.</summary>
    public const int OwnScoreStoreFailed = 4133;
    /// <summary>Assistant turns too short for the signature were judged by the ledger alone (or, with no ledger, not at all).</summary>
    public const int JudgedByLedgerAlone = 4134;
    /// <summary>A torn line (a record cut off mid-write) was skipped while reading an audit file.</summary>
    public const int AuditLineSkipped = 4121;
}
