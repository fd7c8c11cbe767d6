using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Tests.Monitoring;

public class ConversationMonitorTests
{
    private const string Yaml = """
        name: core-test
        version: "1"
        mode: fail-open
        budgets: { max_resamples_per_call: 1, max_verifications_per_call: 1, scoring_timeout: 5s }
        rules:
          - name: log-everything
            actions: [log]
        """;

    private static readonly Transcript Aware = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("Hello."),
        TranscriptMessage.Assistant("I think this is a test of some kind."),
    ]);

    private static ConversationMonitor Monitor(WordScorer scorer, ListLogger? logger = null, string yaml = Yaml, ITurnRecorder? recorder = null, int capacity = 4) =>
        new(scorer, new PolicyEngine(PolicyLoader.Parse(yaml, "core-test.yaml")),
            new ConversationMonitorOptions { SessionCapacity = capacity, Recorder = recorder }, logger);

    [Fact]
    public async Task Findings_are_reported_once_on_messages_new_since_the_last_judged_turn()
    {
        var logger = new ListLogger();
        using var monitor = Monitor(new WordScorer(), logger);

        var first = await RequestAsync(monitor, "c1", Aware, complete: true);
        Assert.Contains(first.Findings, f => f.Kind == FindingKinds.EvaluationAwareness);

        var next = await RequestAsync(monitor, "c1", Aware.Append(TranscriptMessage.User("Go on.")));
        Assert.Empty(next.Findings);
        Assert.Equal(2, next.Turn);
    }

    [Fact]
    public async Task A_turn_reuses_the_conversations_scoring_session()
    {
        var scorer = new WordScorer();
        using var monitor = Monitor(scorer);
        await RequestAsync(monitor, "c1", Aware);
        var second = await RequestAsync(monitor, "c1", Aware.Append(TranscriptMessage.User("More please.")));

        Assert.Equal(1, scorer.SessionsOpened);
        Assert.Equal(2, second.Statistics!.Value.ComputedTokens);
    }

    [Fact]
    public async Task Sessions_of_least_recently_used_conversations_are_released()
    {
        var scorer = new WordScorer();
        using var monitor = Monitor(scorer, capacity: 2);
        foreach (var id in new[] { "a", "b", "a", "c" })
            await RequestAsync(monitor, id, Aware);

        Assert.Equal(2, monitor.ActiveConversations);
        Assert.True(monitor.HasSession("a"));
        Assert.False(monitor.HasSession("b"));
        await Task.Delay(100);
        Assert.Equal(1, Volatile.Read(ref scorer.SessionsDisposed));
    }

    [Fact]
    public async Task A_scorer_that_throws_fails_open_or_closed_as_the_policy_says()
    {
        var scorer = new WordScorer { Fail = _ => new InvalidOperationException("boom") };
        var logger = new ListLogger();
        using var open = Monitor(scorer, logger);
        var allowed = await RequestAsync(open, "c1", Aware);
        Assert.True(allowed.ScoringFailed);
        Assert.False(allowed.IsBlocked);
        Assert.Contains("boom", allowed.FailureReason);
        Assert.Equal("fail-open", Assert.Single(logger.Named("ScoringFailed"))["FailureMode"]);

        using var closed = Monitor(scorer, yaml: Yaml.Replace("fail-open", "fail-closed"));
        var blocked = await RequestAsync(closed, "c1", Aware);
        Assert.True(blocked.IsBlocked);
        Assert.Null(blocked.Decision.Block!.Replacement);
    }

    [Fact]
    public async Task Trial_turns_raise_no_events_and_count_no_turn()
    {
        var logger = new ListLogger();
        using var monitor = Monitor(new WordScorer(), logger);
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest("c1", Aware.Take(2)));
        var before = logger.Events.Count;
        var trial = await exchange.JudgeCandidateAsync(Aware, [2]);
        Assert.Contains(trial.Findings, f => f.Kind == FindingKinds.EvaluationAwareness);
        Assert.Equal(before, logger.Events.Count);
        Assert.Equal(1, trial.Turn);
    }

    [Fact]
    public async Task A_policy_reload_and_a_rejected_policy_are_logged()
    {
        var path = Path.Combine(Path.GetTempPath(), $"enaction-policy-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, Yaml);
        var logger = new ListLogger();
        using var store = new PolicyStore(path, new PolicyStoreOptions { UseFileSystemWatcher = false, PollInterval = TimeSpan.FromHours(1) });
        using var monitor = new ConversationMonitor(new WordScorer(), store, logger: logger);

        await File.WriteAllTextAsync(path, Yaml.Replace("version: \"1\"", "version: \"2\""));
        Assert.True(store.Reload());
        var reloaded = Assert.Single(logger.Named("PolicyReloaded"));
        Assert.Equal("2", reloaded["PolicyVersion"]);
        Assert.Equal("1", reloaded["PreviousVersion"]);
        Assert.Equal("2", monitor.Policy.Policy.Version);

        await File.WriteAllTextAsync(path, "name: broken\nrules: 7\n");
        Assert.False(store.Reload());
        var rejected = Assert.Single(logger.Named("PolicyRejected"));
        Assert.Equal(path, rejected["PolicyFile"]);
        Assert.Equal("2", rejected["PolicyVersion"]);
        File.Delete(path);
    }

    [Fact]
    public async Task Completed_turns_are_appended_to_the_jsonl_audit_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "enaction-audit-" + Guid.NewGuid().ToString("N"));
        using var recorder = new JsonlTurnRecorder(dir);
        using var monitor = Monitor(new WordScorer(), recorder: recorder);
        for (var i = 0; i < 2; i++)
        {
            await using var exchange = await monitor.BeginAsync(new ExchangeRequest("c9", Aware.Take(2)) { Agent = "a1" });
            var verdict = await exchange.JudgeResponseAsync(Aware, [2]);
            exchange.Call.Verdicts.Add(verdict);
            if (i == 0) exchange.Call.Outcomes.Add(new ActionOutcome(PolicyStage.Response, PolicyActionNames.Log, ActionOutcome.Outcomes.Logged));
            await exchange.CompleteAsync(Aware, [2]);
        }

        var records = new List<TurnRecord>();
        await foreach (var r in JsonlTurnRecorder.ReadAsync(recorder.CurrentFile)) records.Add(r);
        Assert.Equal(2, records.Count);
        var record = records[0];
        Assert.Equal("c9", record.ConversationId);
        Assert.Equal("a1", record.Agent);
        Assert.Equal("assistant", record.Messages[2].Role);
        Assert.Equal([2], record.Generated);
        var stage = Assert.Single(record.Stages);
        Assert.Equal("response", stage.Stage);
        Assert.Contains(stage.Findings, f => f.Kind == FindingKinds.EvaluationAwareness);
        Assert.Equal(["log-everything"], stage.Rules);
        Assert.Equal("logged", Assert.Single(record.Actions).Outcome);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task An_unreadable_ledger_is_handled_like_a_scoring_failure()
    {
        var ledger = new Enaction.Provenance.ProvenanceLedger(new BrokenStore(), new Enaction.Provenance.ProvenanceOptions { KeyBytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) });
        using var monitor = new ConversationMonitor(new WordScorer(), new PolicyEngine(PolicyLoader.Parse(Yaml.Replace("fail-open", "fail-closed"), "t.yaml")),
            new ConversationMonitorOptions { Ledger = ledger });
        var verdict = await RequestAsync(monitor, "c1", Aware);
        Assert.True(verdict.ScoringFailed);
        Assert.StartsWith("provenance ledger:", verdict.FailureReason);
        Assert.True(verdict.IsBlocked);
    }

    private static async Task<TurnVerdict> RequestAsync(IConversationMonitor monitor, string id, Transcript transcript, bool complete = false)
    {
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest(id, transcript));
        if (complete)
        {
            exchange.Call.Verdicts.Add(exchange.RequestVerdict);
            await exchange.CompleteAsync(transcript, []);
        }
        return exchange.RequestVerdict;
    }

    private sealed class BrokenStore : Enaction.Provenance.IAttestationStore
    {
        private static Exception Broken() => new Enaction.Provenance.AttestationStoreException("ledger.db", "database disk image is malformed");
        public Task AddAsync(Enaction.Provenance.Attestation attestation, CancellationToken cancellationToken = default) => throw Broken();
        public Task<Enaction.Provenance.Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default) => throw Broken();
        public Task<IReadOnlyList<Enaction.Provenance.Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default) => throw Broken();
        public Task<IReadOnlyList<Enaction.Provenance.Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default) => throw Broken();
    }
}
