using Enaction.Monitoring;
using Microsoft.Extensions.Logging;

namespace Enaction.Conformal;

/// <summary>The conformal thresholds' structured events (ids in <see cref="MonitorEventIds"/>).</summary>
public static partial class ConformalEvents
{
    /// <summary>The off-policy threshold in force for a model and agent changed.</summary>
    [LoggerMessage(EventId = MonitorEventIds.ConformalThresholdChanged, EventName = nameof(ConformalThresholdChanged), Level = LogLevel.Information,
        Message = "Off-policy threshold for model {Model}, agent {Agent} changed from {OldThreshold} to {NewThreshold} ({Source}) on {SampleSize} own turns at target false-positive rate {TargetFpr}")]
    public static partial void ConformalThresholdChanged(ILogger logger, string model, string agent, double oldThreshold, double newThreshold,
        string source, int sampleSize, double targetFpr);

    /// <summary>The recent own-turn scores of a model and agent no longer look like the reservoir.</summary>
    [LoggerMessage(EventId = MonitorEventIds.OwnScoreDrift, EventName = nameof(OwnScoreDrift), Level = LogLevel.Warning,
        Message = "Own-turn scores of model {Model}, agent {Agent} drifted: the last {WindowSize} differ from the reservoir of {SampleSize} (Kolmogorov-Smirnov D {Statistic}, p {PValue}); upper quantile {WindowQuantile} recently against {ReservoirQuantile}")]
    public static partial void OwnScoreDrift(ILogger logger, string model, string agent, int windowSize, int sampleSize, double statistic,
        double pValue, double windowQuantile, double reservoirQuantile);

    /// <summary>The own-score store could not be read or written; the threshold in force stays.</summary>
    [LoggerMessage(EventId = MonitorEventIds.OwnScoreStoreFailed, EventName = nameof(OwnScoreStoreFailed), Level = LogLevel.Warning,
        Message = "Could not {Operation} the own-turn scores of model {Model}, agent {Agent}: {Reason}; the threshold in force stays")]
    public static partial void OwnScoreStoreFailed(ILogger logger, string operation, string model, string agent, string reason, Exception? exception);
}
