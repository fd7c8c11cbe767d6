using Microsoft.Extensions.Logging;

namespace Enaction.Monitoring;

/// <summary>
/// The monitor's structured events. Templates name every property (no interpolation) so Seq and other structured
/// sinks can filter on ConversationId, Turn, FindingKind, Rule, Action and Outcome.
/// </summary>
public static partial class MonitorEvents
{
    /// <summary>A detector reported a finding.</summary>
    [LoggerMessage(EventId = MonitorEventIds.FindingDetected, EventName = nameof(FindingDetected), Level = LogLevel.Warning,
        Message = "Finding {FindingKind} ({Severity}) on message {Message} of turn {Turn} in conversation {ConversationId}: score {Score} against threshold {Threshold}; agent {Agent}, model {Model}, scoring source {ScoringSource}")]
    public static partial void FindingDetected(ILogger logger, string findingKind, string severity, int message, int turn,
        string conversationId, double score, double threshold, string? agent, string? model, string scoringSource);

    /// <summary>The policy decided at least one action.</summary>
    [LoggerMessage(EventId = MonitorEventIds.PolicyDecided, EventName = nameof(PolicyDecided), Level = LogLevel.Information,
        Message = "Policy {Policy} {PolicyVersion} decided {Action} at {Stage} of turn {Turn} in conversation {ConversationId} by rule {Rule} in {LatencyMs} ms")]
    public static partial void PolicyDecided(ILogger logger, string policy, string policyVersion, string action, string stage,
        int turn, string conversationId, string rule, double latencyMs);

    /// <summary>An action ran.</summary>
    [LoggerMessage(EventId = MonitorEventIds.ActionExecuted, EventName = nameof(ActionExecuted), Level = LogLevel.Information,
        Message = "Action {Action} at {Stage} of turn {Turn} in conversation {ConversationId}: {Outcome} {Detail}")]
    public static partial void ActionExecuted(ILogger logger, string action, string stage, int turn, string conversationId,
        string outcome, string? detail);

    /// <summary>Scoring threw or timed out.</summary>
    [LoggerMessage(EventId = MonitorEventIds.ScoringFailed, EventName = nameof(ScoringFailed), Level = LogLevel.Error,
        Message = "Scoring failed at {Stage} of turn {Turn} in conversation {ConversationId} after {LatencyMs} ms ({Reason}); policy {Policy} is {FailureMode}")]
    public static partial void ScoringFailed(ILogger logger, string stage, int turn, string conversationId, double latencyMs,
        string reason, string policy, string failureMode, Exception? exception);

    /// <summary>A changed policy file was loaded.</summary>
    [LoggerMessage(EventId = MonitorEventIds.PolicyReloaded, EventName = nameof(PolicyReloaded), Level = LogLevel.Information,
        Message = "Policy {Policy} {PolicyVersion} loaded from {PolicyFile}, replacing {PreviousPolicy} {PreviousVersion}")]
    public static partial void PolicyReloaded(ILogger logger, string policy, string policyVersion, string policyFile,
        string previousPolicy, string previousVersion);

    /// <summary>A changed policy file was rejected.</summary>
    [LoggerMessage(EventId = MonitorEventIds.PolicyRejected, EventName = nameof(PolicyRejected), Level = LogLevel.Error,
        Message = "Policy file {PolicyFile} rejected, keeping {Policy} {PolicyVersion}: {Problem}")]
    public static partial void PolicyRejected(ILogger logger, string policyFile, string policy, string policyVersion, string problem);

    /// <summary>A stage was monitored.</summary>
    [LoggerMessage(EventId = MonitorEventIds.TurnMonitored, EventName = nameof(TurnMonitored), Level = LogLevel.Debug,
        Message = "Monitored {Stage} of turn {Turn} in conversation {ConversationId}: {FindingCount} findings, {Tokens} tokens ({ComputedTokens} computed) in {LatencyMs} ms")]
    public static partial void TurnMonitored(ILogger logger, string stage, int turn, string conversationId, int findingCount,
        int tokens, int computedTokens, double latencyMs);

    /// <summary>A turn was escalated.</summary>
    [LoggerMessage(EventId = MonitorEventIds.Escalated, EventName = nameof(Escalated), Level = LogLevel.Warning,
        Message = "Escalated turn {Turn} in conversation {ConversationId} to {Callback}: {FindingKinds}")]
    public static partial void Escalated(ILogger logger, int turn, string conversationId, string callback, string findingKinds);

    /// <summary>An attestation or the audit record could not be written.</summary>
    [LoggerMessage(EventId = MonitorEventIds.RecordingFailed, EventName = nameof(RecordingFailed), Level = LogLevel.Error,
        Message = "Could not write the {What} of turn {Turn} in conversation {ConversationId}; policy {Policy} is {FailureMode}: {Reason}. Record: {Record}")]
    public static partial void RecordingFailed(ILogger logger, string what, int turn, string conversationId, string policy,
        string failureMode, string reason, string record, Exception? exception);

    /// <summary>History turns could not be judged and got the policy's unjudged treatment.</summary>
    [LoggerMessage(EventId = MonitorEventIds.UnjudgedTurns, EventName = nameof(UnjudgedTurns), Level = LogLevel.Warning,
        Message = "Could not judge assistant message(s) {Messages} of turn {Turn} in conversation {ConversationId} ({Reason}); {Source}; policy {Policy} says {Unjudged}")]
    public static partial void UnjudgedTurns(ILogger logger, string messages, int turn, string conversationId, string reason,
        string source, string policy, string unjudged);

    /// <summary>Which detectors judge one generator's messages, and why the others do not.</summary>
    [LoggerMessage(EventId = MonitorEventIds.GeneratorDetectors, EventName = nameof(GeneratorDetectors), Level = LogLevel.Information,
        Message = "Generator {Generator} is scored {ScoringSource} by {ScoringModel}: live {LiveDetectors}; off {OffDetectors}")]
    public static partial void GeneratorDetectors(ILogger logger, string generator, string scoringSource, string scoringModel,
        string liveDetectors, string offDetectors);

    /// <summary>A policy rule can never fire for the configured generators.</summary>
    [LoggerMessage(EventId = MonitorEventIds.RuleCannotFire, EventName = nameof(RuleCannotFire), Level = LogLevel.Warning,
        Message = "Rule {Rule} of policy {Policy} {PolicyVersion} can never fire for generators {Generators}: no detector can report {FindingKinds} from their scoring sources ({ScoringSources})")]
    public static partial void RuleCannotFire(ILogger logger, string rule, string policy, string policyVersion, string generators,
        string findingKinds, string scoringSources);

    /// <summary>A torn audit line was skipped while reading.</summary>
    [LoggerMessage(EventId = MonitorEventIds.AuditLineSkipped, EventName = nameof(AuditLineSkipped), Level = LogLevel.Warning,
        Message = "Skipped a torn line in audit file {AuditFile} at line {Line} ({Bytes} bytes of a record that was never finished)")]
    public static partial void AuditLineSkipped(ILogger logger, string auditFile, int line, int bytes);

    /// <summary>New assistant turns were too short for the signature: the ledger alone judged them (or, with none, nothing did).</summary>
    [LoggerMessage(EventId = MonitorEventIds.JudgedByLedgerAlone, EventName = nameof(JudgedByLedgerAlone), Level = LogLevel.Information,
        Message = "Assistant message(s) {Messages} of turn {Turn} in conversation {ConversationId} have fewer than {MinTokens} scored tokens, too few for a signature: judged by the ledger alone ({Source})")]
    public static partial void JudgedByLedgerAlone(ILogger logger, string messages, int turn, string conversationId, int minTokens, string source);
    /// <summary>
    /// A calibration fitted at one scoring precision is applied to a scorer that scores at another (float32 and
    /// int8): allowed, never silent. Event 1002, as the ONNX package has always raised it.
    /// </summary>
    [LoggerMessage(EventId = 1002, EventName = nameof(CalibrationPrecisionMismatch), Level = LogLevel.Warning,
        Message = "Calibration {CalibrationFile} was fitted on {CalibrationPrecision} scores but {ModelId} scores in {ScoringPrecision}; its thresholds are not guaranteed at this precision")]
    public static partial void CalibrationPrecisionMismatch(ILogger logger, string calibrationFile, string calibrationPrecision, string modelId, string scoringPrecision);
}
