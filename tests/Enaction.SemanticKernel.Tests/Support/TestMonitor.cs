using Enaction.Extensions.AI;
using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Scoring;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>A monitor over the real bundled model with a policy written in the test, its events captured.</summary>
public sealed class TestMonitor : IDisposable
{
    public static readonly byte[] LedgerKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public TestMonitor(BundledModel model, string policyYaml, VerifierRegistry? registry = null, bool ledger = false,
        Func<IConversationScorer, IConversationScorer>? wrapScorer = null, int sessionCapacity = 8, TimeSpan? scoringTimeout = null, TimeProvider? time = null)
    {
        Registry = registry ?? new VerifierRegistry();
        var policy = PolicyLoader.Parse(policyYaml, "test-policy.yaml", Registry.ToReferences());
        IConversationScorer scorer = model.Scorer();
        if (wrapScorer is not null) scorer = wrapScorer(scorer);
        Store = ledger ? new InMemoryAttestationStore() : null;
        Ledger = Store is null ? null : new ProvenanceLedger(Store, new ProvenanceOptions { KeyBytes = LedgerKey });
        Monitor = new ConversationMonitor(scorer, new PolicyEngine(policy), new ConversationMonitorOptions
        {
            Ledger = Ledger,
            Recorder = Recorder,
            SessionCapacity = sessionCapacity,
            ScoringTimeout = scoringTimeout ?? TimeSpan.FromSeconds(30),
            TimeProvider = time ?? TimeProvider.System,
        }, Logs.CreateLogger("test"));
        Actions = new ActionExecutor(Registry, Monitor.Logger);
    }

    public CapturingLoggerProvider Logs { get; } = new();

    public MemoryTurnRecorder Recorder { get; } = new();

    public InMemoryAttestationStore? Store { get; }

    public ProvenanceLedger? Ledger { get; }

    public VerifierRegistry Registry { get; }

    public ConversationMonitor Monitor { get; }

    public ActionExecutor Actions { get; }

    /// <summary><paramref name="inner"/> with the monitor around it.</summary>
    public MonitoringChatClient Wrap(IChatClient inner) => new(inner, Monitor, Actions, new MonitoringChatClientOptions { Agent = "tester" });

    /// <summary>Runs one exchange in which the pipeline generated message <paramref name="generated"/> of <paramref name="transcript"/>.</summary>
    public async Task GeneratedAsync(string conversationId, Enaction.Transcripts.Transcript transcript, int generated)
    {
        await using var exchange = await Monitor.BeginAsync(new ExchangeRequest(conversationId, transcript.Take(generated)));
        var verdict = await exchange.JudgeResponseAsync(transcript, [generated]);
        exchange.Call.Verdicts.Add(verdict);
        await exchange.CompleteAsync(transcript, [generated]);
    }

    public void Dispose() => Monitor.Dispose();

    public static string Policy(string rules, string mode = "fail-open", int resamples = 2, int verifications = 1, string timeout = "30s") => $"""
        name: test
        version: "1"
        mode: {mode}
        budgets:
          max_resamples_per_call: {resamples}
          max_verifications_per_call: {verifications}
          scoring_timeout: {timeout}
        rules:
        {rules}
        """;
}
