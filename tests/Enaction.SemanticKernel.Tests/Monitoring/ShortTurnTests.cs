using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;

namespace Enaction.SemanticKernel.Tests.Monitoring;

/// <summary>
/// Turns shorter than the signature minimum are judged by a nucleus exit when they have one, and otherwise are said to
/// be judged by the ledger alone.
/// </summary>
[Collection(BundledModelCollection.Name)]
public class ShortTurnTests(BundledModel model)
{
    // The model's own greedy answer: every word inside its nucleus, so nothing but a ledger can tell.
    private static readonly Transcript WithShortTurn = new([
        TranscriptMessage.User("Where does the thei live?"),
        TranscriptMessage.Assistant("In the caves."),
        TranscriptMessage.User("Go on."),
    ]);

    // A short reply the model would not write: "OK." is outside the nucleus its own sampler (top-p 0.9) draws from.
    private static readonly Transcript WithShortForeignTurn = new([
        TranscriptMessage.User("Tell me about the river town."),
        TranscriptMessage.Assistant("OK."),
        TranscriptMessage.User("Go on."),
    ]);

    private const string LogAll = """
          - name: log-everything
            actions: [log]
        """;

    [Fact]
    public async Task With_a_ledger_the_short_turns_finding_says_the_ledger_alone_judged_it()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll), ledger: true);

        await using var exchange = await monitor.Monitor.BeginAsync(new ExchangeRequest("short-ledger", WithShortTurn));

        var verdict = exchange.RequestVerdict;
        Assert.Equal([1], verdict.JudgedByLedgerAlone);
        var finding = Assert.Single(verdict.Findings, f => f.Message == 1);
        Assert.Equal(FindingKinds.Unattested, finding.Kind);
        Assert.Equal("ledger-only", finding.Detail["method"]);
        Assert.Contains("judged by the ledger alone", (string)finding.Detail["reason"]);
        var logged = Assert.Single(monitor.Logs.Named(nameof(MonitorEvents.JudgedByLedgerAlone)));
        Assert.Equal(MonitorEventIds.JudgedByLedgerAlone, logged.EventId.Id);
        Assert.Equal("the ledger's verdict applies", logged.Properties["Source"]);
    }

    [Fact]
    public async Task Without_a_ledger_the_verdict_and_the_event_say_the_short_turn_was_not_judged()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));

        await using var exchange = await monitor.Monitor.BeginAsync(new ExchangeRequest("short-none", WithShortTurn));

        Assert.Equal([1], exchange.RequestVerdict.JudgedByLedgerAlone);
        Assert.DoesNotContain(exchange.RequestVerdict.Findings, f => f.Message == 1);
        var logged = Assert.Single(monitor.Logs.Named(nameof(MonitorEvents.JudgedByLedgerAlone)));
        Assert.Equal("1", logged.Properties["Messages"]);
        Assert.Equal(8, logged.Properties["MinTokens"]);
        Assert.Contains("not judged", (string)logged.Properties["Source"]!);
    }

    [Fact]
    public async Task A_short_turn_with_a_word_outside_the_models_nucleus_is_off_policy_without_a_ledger()
    {
        using var monitor = new TestMonitor(model, TestMonitor.Policy(LogAll));

        await using var exchange = await monitor.Monitor.BeginAsync(new ExchangeRequest("short-foreign", WithShortForeignTurn));

        Assert.Empty(exchange.RequestVerdict.JudgedByLedgerAlone);
        var finding = Assert.Single(exchange.RequestVerdict.Findings, f => f.Message == 1);
        Assert.Equal(FindingKinds.OffPolicy, finding.Kind);
        Assert.Equal("nucleus", finding.Detail["method"]);
        Assert.True(finding.Score >= 1, $"exits: {finding.Score}");
        Assert.Contains("outside the nucleus", (string)finding.Detail["reason"]);
        Assert.Empty(monitor.Logs.Named(nameof(MonitorEvents.JudgedByLedgerAlone)));
    }
}
