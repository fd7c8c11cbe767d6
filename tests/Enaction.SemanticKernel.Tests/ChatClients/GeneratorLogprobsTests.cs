// OpenAIChatCompletionService with a custom endpoint is marked experimental in Semantic Kernel.
#pragma warning disable SKEXP0010
using System.ClientModel;
using System.Text.Json;
using Enaction.Actions;
using Enaction.Detection;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Scoring;
using Enaction.SemanticKernel.Tests.Support;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace Enaction.SemanticKernel.Tests.ChatClients;

/// <summary>
/// generator-logprobs: an OpenAI-compatible generator (a loopback server answering with recorded OpenAI responses that
/// carry logprobs) through Microsoft.Extensions.AI's OpenAI client and Semantic Kernel's OpenAI connector, with the
/// bundled tiny-chat as the scorer: the answer is judged on the generator's own numbers.
/// </summary>
[Collection(BundledModelCollection.Name)]
public class GeneratorLogprobsTests(BundledModel model)
{
    private const string OverconfidentRule = """
          - name: overconfident-spans
            match:
              kinds: [overconfident-span]
            actions: [annotate]
        """;

    private static IChatClient MeaiOpenAI(LoopbackHttpServer server, string generator) =>
        new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") })
            .GetChatClient(generator).AsIChatClient();

    private static IChatClient SemanticKernelOpenAI(LoopbackHttpServer server, string generator) =>
        new OpenAIChatCompletionService(generator, new Uri(server.BaseAddress, "v1"), "test-key").AsChatClient();

    public static TheoryData<string> Clients() => ["Microsoft.Extensions.AI.OpenAI", "Semantic Kernel OpenAI connector"];

    private static IChatClient Client(string which, LoopbackHttpServer server, string generator) =>
        which.StartsWith("Microsoft", StringComparison.Ordinal) ? MeaiOpenAI(server, generator) : SemanticKernelOpenAI(server, generator);

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task The_answer_is_judged_on_the_generators_own_logprobs(string which)
    {
        using var server = new LoopbackHttpServer(_ => (200, OpenAIRecordings.Completion("gpt-4o-mini", OpenAIRecordings.UncertainThenCertain())));
        using var monitor = new TestMonitor(model, TestMonitor.Policy(OverconfidentRule));
        Assert.Equal([FindingKinds.OverconfidentSpan, FindingKinds.BrokenIntention], monitor.Monitor.GeneratorLogprobKinds.Order(StringComparer.Ordinal).Reverse());
        var client = monitor.Wrap(Client(which, server, "gpt-4o-mini"));

        var response = await client.GetResponseAsync(Conversations.Question(), Conversations.Options("own-numbers-" + which));

        // Asked for: OpenAI's logprobs and top_logprobs on the wire.
        using (var body = JsonDocument.Parse(Assert.Single(server.Requests).Body))
        {
            Assert.True(body.RootElement.GetProperty("logprobs").GetBoolean());
            Assert.Equal(20, body.RootElement.GetProperty("top_logprobs").GetInt32());
        }
        var verdict = Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]);
        var own = verdict.GeneratorScores!;
        Assert.Equal("gpt-4o-mini", own.ModelId);
        var tokens = own.Tokens.Where(t => t.Message == 2).ToList();
        Assert.Equal(36, tokens.Count);
        Assert.Equal(1.9f, tokens[0].Surprisal, 4);
        Assert.Equal(" worda", response.Text[tokens[0].Start..tokens[0].End]);
        Assert.True(own.EntropyBounds.All(b => b.Lower <= b.Upper));

        var spans = verdict.Findings.Where(f => f.Kind == FindingKinds.OverconfidentSpan).ToList();
        var span = Assert.Single(spans);
        Assert.Equal(2, span.Message);
        Assert.Equal("generator-logprobs", span.Detail["source"]);
        Assert.True(span.Start >= response.Text.IndexOf(" wordy", StringComparison.Ordinal) - 1, "the span lies in the certain run");
    }

    [Fact]
    public async Task The_generators_numbers_give_exact_surprisal_and_bound_the_exact_entropy_of_a_real_answer()
    {
        // The bundled model answers; its exact top-20 at each token are recorded as an OpenAI response from a
        // generator the scorer does not know by that name, so the answer is judged on those numbers.
        var request = new Transcript([new TranscriptMessage(MessageRole.System, "You are a helpful assistant."), new TranscriptMessage(MessageRole.User, "Tell me about the river town.")]);
        var answer = await new LocalGenerator(model.Model).GenerateAsync(request, new GenerationOptions { Seed = 5, MaxTokens = 40 });
        var (recorded, exactEntropy) = OpenAIRecordings.FromModel(model.Model, new Transcript([.. request.Messages, new TranscriptMessage(MessageRole.Assistant, answer.Text)]));
        using var server = new LoopbackHttpServer(_ => (200, OpenAIRecordings.Completion("tiny-chat-remote", recorded)));
        using var monitor = new TestMonitor(model, TestMonitor.Policy(OverconfidentRule));
        var client = monitor.Wrap(MeaiOpenAI(server, "tiny-chat-remote"));

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a helpful assistant."), new ChatMessage(ChatRole.User, "Tell me about the river town.")],
            Conversations.Options("real-answer"));

        Assert.Equal(answer.Text, response.Text);
        var own = Assert.IsType<TurnVerdict>(response.AdditionalProperties![ResponseMetadata.Verdict]).GeneratorScores!;
        Assert.Equal(recorded.Count, own.Tokens.Length);
        for (var i = 0; i < recorded.Count; i++)
        {
            Assert.Equal(-recorded[i].LogProbability, own.Tokens[i].Surprisal, 5);
            Assert.True(own.EntropyBounds[i].Contains(exactEntropy[i], 1e-4), $"token {i}: exact {exactEntropy[i]} outside [{own.EntropyBounds[i].Lower}, {own.EntropyBounds[i].Upper}]");
            Assert.Equal(2, own.Tokens[i].Message);
        }
    }

    [Theory]
    [InlineData("tiny-chat", OverconfidentRule)] // the scorer runs the generator's own weights: nothing to ask
    [InlineData("gpt-4o-mini", """
          - name: strip-history
            match:
              kinds: [unattested, off-policy]
              stage: request
            actions: [strip]
        """)] // no rule the answer's log-probabilities could serve
    public async Task No_logprobs_are_asked_when_they_would_not_be_used(string generator, string rules)
    {
        using var server = new LoopbackHttpServer(_ => (200, OpenAIRecordings.Completion(generator, OpenAIRecordings.UncertainThenCertain())));
        using var monitor = new TestMonitor(model, TestMonitor.Policy(rules));
        var client = monitor.Wrap(MeaiOpenAI(server, generator));

        await client.GetResponseAsync(Conversations.Question(), Conversations.Options("not-asked-" + generator));

        using var body = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.False(body.RootElement.TryGetProperty("logprobs", out _));
        Assert.False(body.RootElement.TryGetProperty("top_logprobs", out _));
    }
}
