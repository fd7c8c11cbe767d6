using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Tests.Monitoring;

public class EnactionTelemetryTests
{
    private const string Yaml = """
        name: telemetry-test
        version: "1"
        mode: fail-open
        rules:
          - name: log-everything
            actions: [log]
        """;

    [Fact]
    public async Task A_judged_stage_is_a_span_and_its_findings_and_tokens_are_counted()
    {
        const string Conversation = "telemetry-c1";
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EnactionTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if ((string?)a.GetTagItem("gen_ai.conversation.id") == Conversation) spans.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(activities);
        var measured = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == EnactionTelemetry.Name) listener.EnableMeasurementEvents(instrument); },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measured.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        meters.Start();

        using var monitor = new ConversationMonitor(new WordScorer(), new PolicyEngine(PolicyLoader.Parse(Yaml, "t.yaml")));
        var transcript = new Transcript([TranscriptMessage.User("Hello."), TranscriptMessage.Assistant("I think this is a test of some kind.")]);
        await using (var exchange = await monitor.BeginAsync(new ExchangeRequest(Conversation, transcript.Take(1)) { Agent = "a1" }))
            await exchange.JudgeResponseAsync(transcript, [1]);

        Assert.Equal(["enaction.judge request", "enaction.judge response"], spans.Select(s => s.DisplayName).ToArray());
        Assert.All(spans, s => Assert.Equal("a1", s.GetTagItem("gen_ai.agent.name")));
        Assert.Contains(measured, m => m.Instrument == "enaction.findings" && (string?)m.Tags["enaction.finding.kind"] == FindingKinds.EvaluationAwareness);
        Assert.Contains(measured, m => m.Instrument == "enaction.tokens" && m.Tags["enaction.tokens.computed"] is true && m.Value > 0);
    }
}
