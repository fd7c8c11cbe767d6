using Enaction.Onnx.Generation;
using Enaction.Onnx.Scoring;
using Enaction.Onnx.Tests.Scoring;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Onnx.Tests.Generation;

[Collection(BundledModelsCollection.Name)]
public class LocalGeneratorTests(BundledModels models)
{
    private static readonly Transcript Prompt = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("Tell me about the river town."),
    ]);

    [Fact]
    public async Task The_same_seed_gives_the_same_response()
    {
        var generator = new LocalGenerator(models.Chat);
        var options = new GenerationOptions { Seed = 7, MaxTokens = 40 };
        var a = await generator.GenerateAsync(Prompt, options);
        var b = await generator.GenerateAsync(Prompt, options);
        Assert.Equal(a.Text, b.Text);
        Assert.Equal(a.Tokens.Select(t => t.TokenId), b.Tokens.Select(t => t.TokenId));
        Assert.NotEmpty(a.Tokens);
    }

    [Fact]
    public async Task Generated_statistics_equal_teacher_forced_scores_of_the_same_tokens()
    {
        // The generator's one-token KV-cached steps and a single teacher-forced pass over the same ids must see the
        // same distributions. (Ids, not text: re-tokenizing generated text need not give the same ids back.)
        var generator = new LocalGenerator(models.Chat);
        var result = await generator.GenerateAsync(Prompt, new GenerationOptions { Seed = 5, MaxTokens = 30 });
        Assert.NotEmpty(result.Tokens);
        var prompt = models.Chat.Encoder.Encode(Prompt, addGenerationPrompt: true).Ids;
        int[] ids = [.. prompt, .. result.Tokens.Select(t => t.TokenId)];
        var vocab = models.Chat.VocabSize;
        var logits = new float[ids.Length * vocab];
        using (var cache = new Enaction.Onnx.Models.KeyValueCache(models.Chat.Signature))
        using (var run = new Microsoft.ML.OnnxRuntime.RunOptions())
            models.Chat.Forward(ids, 0, cache, logits, run);
        var scratch = new float[2 * vocab];
        for (var i = 0; i < result.Tokens.Length; i++)
        {
            var position = prompt.Length + i;
            var forced = LogitStatistics.Compute(logits.AsSpan((position - 1) * vocab, vocab), ids[position], scratch);
            Assert.Equal(forced.Entropy, result.Tokens[i].Entropy, 1e-4f);
            Assert.Equal(forced.Surprisal, result.Tokens[i].Surprisal, 1e-4f);
        }

        // Greedy decoding always takes the top-ranked token.
        var greedy = await generator.GenerateAsync(Prompt, new GenerationOptions { Temperature = 0, MaxTokens = 10 });
        Assert.All(greedy.Tokens, t => Assert.True(t.Surprisal <= result.Tokens.Max(x => x.Surprisal) + 1e-3f));
    }

    [Fact]
    public async Task Max_tokens_and_stop_sequences_end_generation()
    {
        var generator = new LocalGenerator(models.Chat);
        var limited = await generator.GenerateAsync(Prompt, new GenerationOptions { Seed = 1, MaxTokens = 3 });
        Assert.Equal(3, limited.Tokens.Length);
        Assert.Equal(GenerationStop.MaxTokens, limited.Stop);

        var full = await generator.GenerateAsync(Prompt, new GenerationOptions { Temperature = 0, MaxTokens = 40 });
        // Stop at the first two-character piece that does not occur earlier in the greedy text.
        var stopAt = Enumerable.Range(2, Math.Max(0, full.Text.Length - 3)).First(k => full.Text.IndexOf(full.Text.Substring(k, 2), StringComparison.Ordinal) == k);
        var stopped = await generator.GenerateAsync(Prompt, new GenerationOptions { Temperature = 0, MaxTokens = 40, StopSequences = [full.Text.Substring(stopAt, 2)] });
        Assert.Equal(GenerationStop.EndOfSequence, stopped.Stop);
        Assert.Equal(full.Text[..stopAt], stopped.Text);
    }

    [Fact]
    public async Task A_trailing_assistant_message_is_continued_as_a_prefill()
    {
        var generator = new LocalGenerator(models.Chat);
        var prefilled = Prompt.Append(TranscriptMessage.Assistant("The river town"));
        var result = await generator.GenerateAsync(prefilled, new GenerationOptions { Temperature = 0, MaxTokens = 20 });
        Assert.NotEmpty(result.Tokens);
        // Continuing the prefill equals generating after it as part of the final message's tokens.
        var encoded = models.Chat.Encoder.Encode(prefilled, continueFinalMessage: true);
        Assert.Equal(result.PromptTokens, encoded.Count);
    }

    [Fact]
    public async Task Chat_client_streams_the_same_text_it_returns()
    {
        IChatClient client = new OnnxChatClient(models.Chat);
        var messages = new List<ChatMessage> { new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "What is 3 + 4?") };
        var options = new ChatOptions { Seed = 11, Temperature = 0.8f, MaxOutputTokens = 30 };
        var response = await client.GetResponseAsync(messages, options);
        var streamed = string.Concat(await client.GetStreamingResponseAsync(messages, options).Select(u => u.Text).ToListAsync());
        Assert.Equal(response.Text, streamed);
        Assert.Equal("tiny-chat", response.ModelId);
        Assert.NotNull(client.GetService<ChatClientMetadata>());
        Assert.True(response.Usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Cancellation_stops_generation()
    {
        var generator = new LocalGenerator(models.Chat);
        using var cts = new CancellationTokenSource();
        var count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in generator.StreamAsync(Prompt, new GenerationOptions { Seed = 3, MaxTokens = 200, StopTokenIds = [] }, cts.Token))
                if (++count == 2) await cts.CancelAsync();
        });
        Assert.Equal(2, count);
    }
}
