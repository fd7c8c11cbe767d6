using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Enaction.Monitoring;

/// <summary>
/// The monitor's metrics and traces, as <c>OpenTelemetryChatClient</c> does them: one <see cref="Meter"/> and one
/// <see cref="ActivitySource"/>, both named <see cref="Name"/>. Subscribe with OpenTelemetry
/// (<c>.AddMeter("Enaction")</c>, <c>.AddSource("Enaction")</c>) or any listener. Tags follow the OpenTelemetry GenAI
/// conventions where they apply (<c>gen_ai.conversation.id</c>, <c>gen_ai.agent.name</c>, <c>gen_ai.request.model</c>).
/// </summary>
public static class EnactionTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "Enaction";

    /// <summary>One span per judged stage (<c>enaction.judge request</c>, <c>enaction.judge response</c>) and per completion.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>The instruments below.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary><c>enaction.findings</c>: findings reported, tagged <c>enaction.finding.kind</c> and <c>enaction.finding.severity</c>.</summary>
    public static Counter<long> Findings { get; } = Meter.CreateCounter<long>("enaction.findings", "{finding}", "Findings the detectors reported on judged turns.");

    /// <summary><c>enaction.scoring.duration</c>: seconds to score, detect and decide one stage, tagged <c>enaction.stage</c> and <c>enaction.scoring.failed</c>.</summary>
    public static Histogram<double> ScoringDuration { get; } = Meter.CreateHistogram<double>("enaction.scoring.duration", "s", "Time to score, detect and decide one stage.");

    /// <summary><c>enaction.tokens</c>: tokens of judged transcripts, tagged <c>enaction.tokens.computed</c> (true: run through the model; false: reused from the cache).</summary>
    public static Counter<long> Tokens { get; } = Meter.CreateCounter<long>("enaction.tokens", "{token}", "Tokens of judged transcripts, computed or reused.");

    /// <summary><c>enaction.actions</c>: actions executed, tagged <c>enaction.action</c> and <c>enaction.action.outcome</c>.</summary>
    public static Counter<long> Actions { get; } = Meter.CreateCounter<long>("enaction.actions", "{action}", "Policy actions executed, by outcome.");

    /// <summary><c>enaction.conformal.threshold</c>: the off-policy threshold in force after each change, tagged <c>gen_ai.request.model</c> and <c>gen_ai.agent.name</c>.</summary>
    public static Gauge<double> ConformalThreshold { get; } = Meter.CreateGauge<double>("enaction.conformal.threshold", null, "The off-policy threshold in force for a model and agent.");

    /// <summary><c>enaction.conformal.own_scores</c>: completed own turns whose off-policy score entered a reservoir, tagged as the threshold.</summary>
    public static Counter<long> OwnScores { get; } = Meter.CreateCounter<long>("enaction.conformal.own_scores", "{turn}", "Own turns offered to the conformal reservoir.");

    /// <summary><c>enaction.conformal.drift</c>: drift checks that found the recent own-turn scores unlike the reservoir, tagged as the threshold.</summary>
    public static Counter<long> OwnScoreDrift { get; } = Meter.CreateCounter<long>("enaction.conformal.drift", "{check}", "Drift checks of own-turn scores that failed.");
}
