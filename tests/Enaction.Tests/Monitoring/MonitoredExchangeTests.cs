using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Transcripts;

namespace Enaction.Tests.Monitoring;

public class MonitoredExchangeTests
{
    private const string Yaml = """
        name: exchange-test
        version: "1"
        mode: fail-open
        budgets: { scoring_timeout: 5s }
        rules:
          - name: log-everything
            actions: [log]
        """;

    private static readonly Transcript Opening = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("Tell me about the harbour."),
    ]);

    private static ConversationMonitor Monitor(ConversationMonitorOptions options, string yaml = Yaml, ListLogger? logger = null) =>
        new(new WordScorer(), new PolicyEngine(PolicyLoader.Parse(yaml, "exchange-test.yaml")), options, logger);

    private static ProvenanceLedger Ledger(IAttestationStore store) =>
        new(store, new ProvenanceOptions { KeyBytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray() });

    /// <summary>One call in which the pipeline generates <paramref name="answer"/>.</summary>
    private static async Task<Transcript> AnswerAsync(IConversationMonitor monitor, ConversationIdentity conversation, Transcript request, string answer)
    {
        var transcript = request.Append(TranscriptMessage.Assistant(answer));
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest(conversation, request));
        exchange.Call.Verdicts.Add(exchange.RequestVerdict);
        var verdict = await exchange.JudgeResponseAsync(transcript, [request.Count]);
        exchange.Call.Verdicts.Add(verdict);
        await exchange.CompleteAsync(transcript, [request.Count]);
        return transcript;
    }

    [Fact]
    public async Task Two_users_who_open_alike_without_a_named_conversation_do_not_flag_each_others_answers()
    {
        var store = new InMemoryAttestationStore();
        using var monitor = Monitor(new ConversationMonitorOptions { Ledger = Ledger(store) });
        var shared = new ConversationIdentity(ConversationIds.FromOpening(Opening), IsDerived: true);

        var first = await AnswerAsync(monitor, shared, Opening, "The harbour is quiet in the morning and busy at noon.");
        await AnswerAsync(monitor, shared, Opening, "Boats wait there for the tide, and the market opens early.");

        await using var next = await monitor.BeginAsync(new ExchangeRequest(shared, first.Append(TranscriptMessage.User("Go on."))));
        Assert.DoesNotContain(next.RequestVerdict.Findings, f => f.Kind is FindingKinds.Unattested or FindingKinds.OffPolicy or FindingKinds.Altered);
        Assert.Empty(await store.ListAsync("default", shared.Id));
    }

    [Fact]
    public async Task Attesting_derived_ids_when_configured_shows_the_trade_off()
    {
        var store = new InMemoryAttestationStore();
        using var monitor = Monitor(new ConversationMonitorOptions { Ledger = Ledger(store), AttestDerivedConversationIds = true });
        var shared = new ConversationIdentity(ConversationIds.FromOpening(Opening), IsDerived: true);

        var first = await AnswerAsync(monitor, shared, Opening, "The harbour is quiet in the morning and busy at noon.");
        await AnswerAsync(monitor, shared, Opening, "Boats wait there for the tide, and the market opens early.");

        // The second user's attestation superseded the first's: the first user's genuine answer reads as unattested.
        using var other = Monitor(new ConversationMonitorOptions { Ledger = Ledger(store), AttestDerivedConversationIds = true });
        await using var next = await other.BeginAsync(new ExchangeRequest(shared, first.Append(TranscriptMessage.User("Go on."))));
        Assert.Contains(next.RequestVerdict.Findings, f => f.Kind == FindingKinds.Unattested && f.Message == 2);
    }

    [Fact]
    public async Task A_failed_write_under_fail_open_returns_and_puts_the_record_in_an_error_event()
    {
        var logger = new ListLogger();
        using var monitor = Monitor(new ConversationMonitorOptions { Ledger = Ledger(new WriteFailingStore()), Recorder = new FailingRecorder() }, logger: logger);

        await AnswerAsync(monitor, "w1", Opening, "The harbour is quiet in the morning.");

        var failure = Assert.Single(logger.Named("RecordingFailed"));
        Assert.Equal("attestation and audit record", failure["What"]);
        Assert.Equal("fail-open", failure["FailureMode"]);
        Assert.Contains("\"conversation_id\":\"w1\"", (string)failure["Record"]!);
        Assert.Contains("The harbour is quiet in the morning.", (string)failure["Record"]!);
    }

    [Fact]
    public async Task A_failed_write_under_fail_closed_throws_one_exception_that_carries_the_response()
    {
        using var monitor = Monitor(new ConversationMonitorOptions { Recorder = new FailingRecorder() }, Yaml.Replace("fail-open", "fail-closed"));

        var thrown = await Assert.ThrowsAsync<EnactionRecordingException>(() => AnswerAsync(monitor, "w2", Opening, "The harbour is quiet."));

        Assert.Equal("audit record", thrown.What);
        Assert.Equal("The harbour is quiet.", thrown.Transcript[^1].Content);
        Assert.IsType<IOException>(thrown.InnerException);
    }

    [Fact]
    public async Task An_exchange_holds_its_conversation_until_it_is_disposed()
    {
        using var monitor = Monitor(new ConversationMonitorOptions());
        var first = await monitor.BeginAsync(new ExchangeRequest("held", Opening));

        var second = monitor.BeginAsync(new ExchangeRequest("held", Opening));
        var other = await monitor.BeginAsync(new ExchangeRequest("elsewhere", Opening));
        await other.DisposeAsync();
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using var next = await second;
        Assert.Equal(2, next.RequestVerdict.Turn);
    }

    [Fact]
    public async Task An_exchange_completes_once()
    {
        using var monitor = Monitor(new ConversationMonitorOptions());
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest("once", Opening));
        await exchange.CompleteAsync(Opening, []);

        await Assert.ThrowsAsync<InvalidOperationException>(() => exchange.CompleteAsync(Opening, []));
    }

    private sealed class WriteFailingStore : IAttestationStore
    {
        private readonly InMemoryAttestationStore _inner = new();
        public Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default) =>
            throw new AttestationStoreException("ledger.db", "attempt to write a readonly database");
        public Task<Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default) =>
            _inner.FindAsync(tenant, conversationId, messageIndex, cancellationToken);
        public Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default) =>
            _inner.FindByContentMacAsync(tenant, contentMac, cancellationToken);
        public Task<IReadOnlyList<Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default) =>
            _inner.ListAsync(tenant, conversationId, cancellationToken);
    }

    private sealed class FailingRecorder : ITurnRecorder
    {
        public ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default) =>
            throw new IOException("Read-only file system: audit/turns-20261130.jsonl");
    }
}
