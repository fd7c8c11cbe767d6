using Enaction.Actions;
using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Monitoring;

/// <summary>The generator reports where a continued prefill ends, and that boundary reaches the detectors at run time.</summary>
[Collection(BundledModelCollection.Name)]
public class PrefillBoundaryTests(BundledModel model)
{
    private const string Prefill = "The river town";

    /// <summary>Records what the detectors were given at each stage.</summary>
    private sealed class Capture : IDetector
    {
        public List<(Transcript Transcript, Dictionary<int, int> AuthoredFrom)> Seen { get; } = [];

        public IReadOnlyList<string> Kinds { get; } = [];

        public void Detect(DetectionContext context, List<Finding> findings) =>
            Seen.Add((context.Transcript, context.AuthoredFrom.ToDictionary(p => p.Key, p => p.Value)));
    }

    private static List<ChatMessage> Prefilled() => [new(ChatRole.User, "Tell me about the river town."), new(ChatRole.Assistant, Prefill)];

    [Fact]
    public async Task The_local_generator_reports_a_continued_prefill_and_nothing_for_a_fresh_answer()
    {
        var generator = model.Generator(maxTokens: 20);

        var continued = await generator.GetResponseAsync(Prefilled(), new ChatOptions { Seed = 4 });
        Assert.Equal(Prefill.Length, continued.Messages[0].AdditionalProperties![GeneratorMetadata.ContinuedPrefill]);
        Assert.Equal(Prefill.Length, GeneratorMetadata.ContinuedPrefillLength(continued.AdditionalProperties));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in generator.GetStreamingResponseAsync(Prefilled(), new ChatOptions { Seed = 4 })) updates.Add(update);
        // The last update carries it; ToChatResponse puts an update's properties on the message.
        Assert.Equal(Prefill.Length, GeneratorMetadata.ContinuedPrefillLength(updates[^1].AdditionalProperties));
        var streamed = updates.ToChatResponse();
        Assert.Equal(Prefill.Length, GeneratorMetadata.ContinuedPrefillLength(streamed.Messages[0].AdditionalProperties)
            ?? GeneratorMetadata.ContinuedPrefillLength(streamed.AdditionalProperties));

        var fresh = await generator.GetResponseAsync([new ChatMessage(ChatRole.User, "Tell me about the river town.")], new ChatOptions { Seed = 4 });
        Assert.Null(GeneratorMetadata.ContinuedPrefillLength(fresh.Messages[0].AdditionalProperties));
        Assert.Null(GeneratorMetadata.ContinuedPrefillLength(fresh.AdditionalProperties));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_monitor_judges_a_continued_prefill_as_one_turn_with_the_reported_boundary(bool streaming)
    {
        var capture = new Capture();
        using var monitor = new ConversationMonitor(model.Scorer(), new PolicyEngine(PolicyLoader.Parse(TestMonitor.Policy("""
              - name: log-everything
                actions: [log]
            """), "test.yaml")), new ConversationMonitorOptions { Detectors = DetectorSet.Default().With([capture]) });
        var client = new MonitoringChatClient(model.Generator(maxTokens: 20), monitor);
        var options = new ChatOptions { Seed = 4, AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = "prefill" } };

        string text;
        if (streaming)
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync(Prefilled(), options)) updates.Add(update);
            text = updates.ToChatResponse().Text;
        }
        else
        {
            text = (await client.GetResponseAsync(Prefilled(), options)).Text;
        }

        Assert.Equal(2, capture.Seen.Count);
        var (request, requestBoundaries) = capture.Seen[0];
        Assert.Equal(Prefill, request[1].Content);
        Assert.Empty(requestBoundaries);
        var (response, boundaries) = capture.Seen[1];
        Assert.Equal(2, response.Count);
        Assert.Equal(Prefill + text, response[1].Content);
        Assert.Equal(new Dictionary<int, int> { [1] = Prefill.Length }, boundaries);
    }

    [Fact]
    public async Task A_fresh_answer_has_no_boundary_so_broken_intention_never_judges_it()
    {
        var capture = new Capture();
        var calibration = Calibration.Load(TestPaths.InRepo("models", "tiny-chat", "calibration.json"));
        using var monitor = new ConversationMonitor(model.Scorer(), new PolicyEngine(PolicyLoader.Parse(TestMonitor.Policy("""
              - name: log-everything
                actions: [log]
            """), "test.yaml")), new ConversationMonitorOptions { Detectors = DetectorSet.Default().With([capture]), Calibration = calibration });
        var client = new MonitoringChatClient(model.Generator(maxTokens: 40), monitor);
        for (var seed = 0; seed < 6; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Tell me about Grifor.")],
                new ChatOptions { Seed = seed, AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = $"fresh-{seed}" } });
            var verdict = Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]);
            Assert.DoesNotContain(verdict.Findings, f => f.Kind == FindingKinds.BrokenIntention);
            Assert.Equal(new Dictionary<int, int> { [1] = 0 }, capture.Seen[^1].AuthoredFrom);
        }
    }
}
