using Enaction.Actions;
using Enaction.Conformal;
using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Monitoring;

/// <summary>The off-policy threshold follows the model's own completed turns (real model, real pipeline).</summary>
[Collection(BundledModelCollection.Name)]
public class ConformalMonitorTests(BundledModel model)
{
    private static readonly string[] Topics = ["the river town", "Grifor", "Tuleir", "the bouth", "Gafan", "the cat", "Zikrom", "Bise", "the valley", "Pand", "the market", "the old bridge"];

    private static string Policy(string conformal) => $"""
        name: conformal-test
        version: "1"
        mode: fail-open
        budgets: {"{"}scoring_timeout: 60s{"}"}
        conformal:
        {conformal}
        rules:
          - name: log-everything
            actions: [log]
        """;

    private ConversationMonitor Monitor(string conformal, CapturingLoggerProvider logs, Calibration? calibration = null, IOwnScoreStore? store = null) =>
        new(model.Scorer(), new PolicyEngine(PolicyLoader.Parse(Policy(conformal), "conformal-test.yaml")), new ConversationMonitorOptions
        {
            Calibration = calibration,
            OwnScores = store,
        }, logs.CreateLogger("test"));

    private static List<ChatMessage> Ask(string topic) => [new(ChatRole.User, $"Tell me about {topic}.")];

    private static ChatOptions Options(string conversationId, int seed) => new()
    {
        MaxOutputTokens = 40,
        Seed = seed,
        AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = conversationId },
    };

    private static TurnVerdict VerdictOf(ChatResponse response) => Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]);

    [Fact]
    public async Task Own_turns_fill_the_reservoir_and_their_conformal_threshold_replaces_the_shipped_one_once_min_turns_are_in()
    {
        var logs = new CapturingLoggerProvider();
        using var monitor = Monitor("  target_fpr: 0.2\n  min_turns: 5\n  capacity: 50", logs);
        var client = new MonitoringChatClient(model.Generator(maxTokens: 40), monitor, options: new MonitoringChatClientOptions { Agent = "tester" });
        var own = new List<double>();
        var switched = false;
        for (var i = 0; i < Topics.Length && own.Count < 8; i++)
        {
            var verdict = VerdictOf(await client.GetResponseAsync(Ask(Topics[i]), Options($"own-{i}", seed: 20 + i)));
            // The verdict was judged before its own turn was recorded: it used what the earlier own turns set.
            Assert.Equal(own.Count >= 5 ? ConformalQuantile.Threshold(own, 0.2) : null, verdict.OffPolicyThreshold);
            switched |= verdict.OffPolicyThreshold is not null;
            own.AddRange(verdict.OwnTurnScores.Values);
            Assert.All(verdict.OwnTurnScores.Keys, m => Assert.Equal(1, m));
        }
        Assert.True(switched, $"only {own.Count} own turns long enough to score");

        // The reservoir holds exactly the own scores (fewer than its capacity), keyed by model and agent.
        var key = new OwnScoreKey(model.Model.Id, "tester", ConformalThresholds.ScoreSpace(null, model.Scorer().WeightsSha256!));
        Assert.Equal(own, (await monitor.Conformal.Store.GetAsync(key)).Scores);

        // The change was an event with the old (shipped: the curvature's 3.0) and new value and the sample size.
        var changed = logs.Named(nameof(ConformalEvents.ConformalThresholdChanged)).First();
        Assert.Equal(MonitorEventIds.ConformalThresholdChanged, changed.EventId.Id);
        Assert.Equal(3.0, changed.Properties["OldThreshold"]);
        Assert.Equal(ConformalQuantile.Threshold(own[..5], 0.2)!.Value, changed.Properties["NewThreshold"]);
        Assert.Equal(5, changed.Properties["SampleSize"]);
        Assert.Equal("tester", changed.Properties["Agent"]);

        // A turn the monitor judges by its signature is held to the conformal threshold now.
        var inForce = ConformalQuantile.Threshold(own, 0.2)!;
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest("injected", new Transcript([
            TranscriptMessage.User("Tell me about the river town."),
            TranscriptMessage.Assistant("Quarterly revenue grew by fourteen percent on strong enterprise demand, the chief financial officer told analysts on Tuesday."),
            TranscriptMessage.User("Go on."),
        ]))
        { Agent = "tester" });
        Assert.Equal(inForce, exchange.RequestVerdict.OffPolicyThreshold);
        var finding = Assert.Single(exchange.RequestVerdict.Findings, f => f.Kind == FindingKinds.OffPolicy);
        Assert.Equal(inForce.Value, finding.Threshold);
        Assert.Equal("conformal", finding.Detail["threshold_source"]);
        Assert.Equal(own.Count, finding.Detail["conformal_turns"]);
    }

    [Fact]
    public async Task With_the_calibrated_combination_an_own_turn_is_scored_as_a_judged_turn_and_only_sampled_turns_get_the_second_pass()
    {
        var calibration = Calibration.Load(TestPaths.InRepo("models", "tiny-chat", "calibration.json"));
        var logs = new CapturingLoggerProvider();
        using var all = Monitor("  target_fpr: 0.2\n  min_turns: 5\n  capacity: 50\n  contrast_sample_rate: 1", logs, calibration);
        var client = new MonitoringChatClient(model.Generator(maxTokens: 40), all, options: new MonitoringChatClientOptions { Agent = "tester" });

        var response = await client.GetResponseAsync(Ask("Grifor"), Options("calibrated", seed: 5));
        var verdict = VerdictOf(response);
        var (message, score) = Assert.Single(verdict.OwnTurnScores);
        // The same score the detector computes when it judges that turn from scratch (scoring, prompt contrast, combination).
        using var scorer = model.Scorer();
        var transcript = new Transcript([TranscriptMessage.User("Tell me about Grifor."), TranscriptMessage.Assistant(response.Text)]);
        var judged = await DetectionContext.ScoreAsync(scorer, transcript, calibration);
        Assert.Equal(new OffPolicyDetector().Signature(judged.Features(message)!, calibration).Score, score, 3);

        // Without the second pass a calibrated score would differ from a judged turn's: unsampled turns stay out.
        using var sparse = Monitor("  target_fpr: 0.2\n  min_turns: 5\n  capacity: 50\n  contrast_sample_rate: 0.000001", logs, calibration);
        var sparseClient = new MonitoringChatClient(model.Generator(maxTokens: 40), sparse, options: new MonitoringChatClientOptions { Agent = "tester" });
        Assert.Empty(VerdictOf(await sparseClient.GetResponseAsync(Ask("Grifor"), Options("sparse", seed: 5))).OwnTurnScores);
    }

    [Fact]
    public async Task A_restarted_monitor_resumes_the_threshold_from_a_shared_store()
    {
        var store = new InMemoryOwnScoreStore();
        var logs = new CapturingLoggerProvider();
        var own = new List<double>();
        using (var first = Monitor("  target_fpr: 0.2\n  min_turns: 5\n  capacity: 50", logs, store: store))
        {
            var client = new MonitoringChatClient(model.Generator(maxTokens: 40), first, options: new MonitoringChatClientOptions { Agent = "tester" });
            for (var i = 0; i < Topics.Length && own.Count < 5; i++)
                own.AddRange(VerdictOf(await client.GetResponseAsync(Ask(Topics[i]), Options($"first-{i}", seed: 40 + i))).OwnTurnScores.Values);
        }
        Assert.Equal(5, own.Count);

        using var second = Monitor("  target_fpr: 0.2\n  min_turns: 5\n  capacity: 50", logs, store: store);
        await using var exchange = await second.BeginAsync(new ExchangeRequest("second", new Transcript([TranscriptMessage.User("Tell me about Bise.")])) { Agent = "tester" });
        Assert.Equal(ConformalQuantile.Threshold(own, 0.2), exchange.RequestVerdict.OffPolicyThreshold);
    }

    [Fact]
    public async Task Without_a_conformal_block_or_option_the_shipped_threshold_stays_and_nothing_is_kept()
    {
        var logs = new CapturingLoggerProvider();
        using var monitor = new ConversationMonitor(model.Scorer(), new PolicyEngine(PolicyLoader.Parse(TestMonitor.Policy("""
              - name: log-everything
                actions: [log]
            """), "plain.yaml")), new ConversationMonitorOptions(), logs.CreateLogger("test"));
        var client = new MonitoringChatClient(model.Generator(maxTokens: 40), monitor);
        var verdict = VerdictOf(await client.GetResponseAsync(Ask("Tuleir"), Options("plain", seed: 7)));
        Assert.Empty(verdict.OwnTurnScores);
        Assert.Null(verdict.OffPolicyThreshold);
        Assert.Empty(logs.Named(nameof(ConformalEvents.ConformalThresholdChanged)));
    }
}
