using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.ChatClients;

[Collection(BundledModelCollection.Name)]
public class ScoringFailureTests(BundledModel model)
{
    private const string Rules = """
          - name: log-everything
            actions: [log]
        """;

    [Fact]
    public async Task Fail_open_lets_the_response_through_when_scoring_throws()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(Rules, mode: "fail-open"), wrapScorer: s => new ThrowingScorer(s));

        var response = await monitor.Wrap(new CannedChatClient("Hello there.")).GetResponseAsync(Conversations.Question(), Conversations.Options("throws-open"));

        Assert.Equal("Hello there.", response.Text);
        var verdict = Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]);
        Assert.True(verdict.ScoringFailed);
        Assert.Contains("scoring backend unavailable", verdict.FailureReason);
        var failure = monitor.Logs.Named("ScoringFailed").First();
        Assert.Equal(MonitorEventIds.ScoringFailed, failure.EventId.Id);
        Assert.Equal("fail-open", failure.Properties["FailureMode"]);
    }

    [Fact]
    public async Task Fail_closed_blocks_when_scoring_throws()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(Rules, mode: "fail-closed"), wrapScorer: s => new ThrowingScorer(s));
        var generator = new CannedChatClient("Hello there.");

        var response = await monitor.Wrap(generator).GetResponseAsync(Conversations.Question(), Conversations.Options("throws-closed"));

        Assert.Equal(BlockAction.DefaultReplacement, response.Text);
        Assert.Equal(0, generator.Calls);
        Assert.Equal(true, response.AdditionalProperties![ResponseMetadata.Blocked]);
    }

    [Fact]
    public async Task A_scorer_past_the_policy_timeout_counts_as_failed_and_fail_closed_blocks()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(Rules, mode: "fail-closed", timeout: "100ms"),
            wrapScorer: s => new SlowScorer(s, TimeSpan.FromMilliseconds(600)), scoringTimeout: TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;

        var response = await monitor.Wrap(new CannedChatClient("Hello there.")).GetResponseAsync(Conversations.Question(), Conversations.Options("slow"));

        Assert.Equal(BlockAction.DefaultReplacement, response.Text);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMilliseconds(550), "the monitor must not wait for the slow scorer");
        var verdict = Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]);
        Assert.Contains("timed out", verdict.FailureReason);
    }

    [Fact]
    public async Task The_policy_scoring_timeout_applies_when_not_overridden()
    {
        var policy = PolicyLoader.Parse(TestMonitor.Policy(Rules, mode: "fail-open", timeout: "50ms"), "t.yaml");
        using var scorer = new SlowScorer(model.Scorer(), TimeSpan.FromMilliseconds(400));
        using var monitor = new ConversationMonitor(scorer, new PolicyEngine(policy));
        var verdict = await monitor.MonitorAsync(new MonitoredTurn("timeout", Enaction.Transcripts.ChatMessageConversion.ToTranscript(Conversations.Question()), PolicyStage.Request));
        Assert.True(verdict.ScoringFailed);
        Assert.False(verdict.IsBlocked);
    }
}
