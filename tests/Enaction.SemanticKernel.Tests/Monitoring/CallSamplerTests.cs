using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Monitoring;

/// <summary>
/// The nucleus the model's own turns are judged against follows the sampler the call asks for (ChatOptions.Temperature
/// and TopP), not only the one the model ships: a deployment that samples with top-p 1 writes tokens outside the shipped
/// top-p 0.9, and its own unattested history turns must not count them as foreign.
/// </summary>
[Collection(BundledModelCollection.Name)]
public class CallSamplerTests(BundledModel model)
{
    // An unattested history turn the model did not write: words outside its nucleus.
    private static readonly Transcript History = new([
        TranscriptMessage.User("Tell me about Gafan."),
        TranscriptMessage.Assistant("Honestly, purple elephants negotiate tax treaties with submarine librarians on Tuesdays."),
        TranscriptMessage.User("Thanks. And Grifor?"),
    ]);

    private ConversationMonitor Monitor(ITurnRecorder? recorder = null) => new(model.Scorer(), new PolicyEngine(PolicyLoader.Parse(TestMonitor.Policy("""
          - name: log-everything
            actions: [log]
        """), "test.yaml")), new ConversationMonitorOptions
    {
        Calibration = Calibration.Load(TestPaths.InRepo("models", "tiny-chat", "calibration.json")),
        Recorder = recorder,
    });

    private static async Task<double?> OffPolicyScore(ConversationMonitor monitor, string id, double? temperature, double? topP)
    {
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest(id, History) { Temperature = temperature, TopP = topP });
        return exchange.RequestVerdict.Findings.Where(f => f.Kind == FindingKinds.OffPolicy && f.Message == 1).Select(f => (double?)f.Score).SingleOrDefault();
    }

    [Fact]
    public async Task A_call_that_samples_any_token_turns_the_nucleus_off_and_a_cooler_one_keeps_it()
    {
        using var monitor = Monitor();
        var shipped = await OffPolicyScore(monitor, "shipped", null, null);
        Assert.True(shipped is not null, "the foreign turn raised no off-policy finding with the shipped sampler");

        // Top-p 1 or a temperature above 1: any token can be the model's own, so exits are not counted.
        foreach (var (id, t, p) in new (string, double?, double?)[] { ("top-p-1", null, 1.0), ("hot", 1.5, 0.9), ("hot-only", 1.3, null) })
        {
            var score = await OffPolicyScore(monitor, id, t, p);
            Assert.True(score is null || score <= shipped - 5, $"{id}: {score} against {shipped} with the shipped nucleus");
        }

        // A lower temperature only shrinks the nucleus: the shipped one still bounds it, and the score is the same.
        Assert.Equal(shipped, await OffPolicyScore(monitor, "cool", 0.7, null));
        Assert.Equal(shipped, await OffPolicyScore(monitor, "same", 1.0, 0.9));
        // A call never narrows it: a greedy or tighter call did not write the history turns it judges.
        Assert.Equal(shipped, await OffPolicyScore(monitor, "greedy", 0, null));
        Assert.Equal(shipped, await OffPolicyScore(monitor, "tight", 1.0, 0.5));
    }

    [Fact]
    public async Task The_chat_client_passes_the_calls_sampler_to_the_monitor()
    {
        var recorder = new MemoryTurnRecorder();
        using var monitor = Monitor(recorder);
        var client = new MonitoringChatClient(model.Generator(maxTokens: 8), monitor);
        var messages = History.Messages.Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)).ToList();

        async Task<double?> RequestScore(string id, ChatOptions options)
        {
            options.AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = id };
            await client.GetResponseAsync(messages, options);
            var record = Assert.Single(recorder.Records, r => r.ConversationId == id);
            return record.Stages.Single(s => s.Stage == "request").Findings
                .Where(f => f.Kind == FindingKinds.OffPolicy && f.Message == 1).Select(f => f.Score).SingleOrDefault();
        }

        var shipped = await RequestScore("client-shipped", new ChatOptions { Seed = 1 });
        Assert.True(shipped is not null, "the foreign turn raised no off-policy finding with the shipped sampler");
        var anyToken = await RequestScore("client-any", new ChatOptions { Seed = 1, TopP = 1 });
        Assert.True(anyToken is null || anyToken <= shipped - 5, $"with TopP 1: {anyToken}, shipped: {shipped}");
    }
}
