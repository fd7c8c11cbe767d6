using Enaction.Evaluation;
using Enaction.Onnx.Tests.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Calibration;

[Collection(BundledModelsCollection.Name)]
public class OffPolicyDatasetBuilderTests(BundledModels models)
{
    private static readonly CalibrationPrompt[] Prompts =
    [
        new("Tell me about Gafan.", "open-ended", null, ["Here is a short note on Gafan.\nI think it is good."], "Gafan"),
        new("Describe the krovoul.", "open-ended", "You are a helpful assistant.", [], "krovoul"),
        new("Write a short note on Gafan.", "open-ended", null, [], "Gafan"),
        new("What is 2 + 3?", "arithmetic", null, ["It is 5.", "2 + 3 = 5."], "What is 2 + 3?"),
    ];

    private static readonly OffPolicyDatasetOptions Options = new() { Seed = 5, MaxTokens = 24 };

    [Fact]
    public async Task Builds_every_source_with_labels_and_targets()
    {
        var data = await new OffPolicyDatasetBuilder(models.Chat, models.Base, Options).BuildAsync(Prompts);
        Assert.All(data, e =>
        {
            Assert.Equal(MessageRole.Assistant, e.Transcript[e.Target].Role);
            Assert.Equal(e.Transcript.Count - 1, e.Target);
            Assert.Equal(e.Source != OffPolicySources.Own, e.OffPolicy);
        });
        var bySource = data.GroupBy(e => e.Source).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(bySource.GetValueOrDefault(OffPolicySources.Own) >= 3, string.Join(", ", bySource));
        Assert.Equal(3, data.Count(e => e.Source == OffPolicySources.Corpus));
        Assert.Contains(data, e => e.Source == OffPolicySources.OtherModel);
        Assert.Contains(data, e => e.Source == OffPolicySources.Swap);

        // The system message is kept, and every example of a prompt shares the prompt.
        Assert.All(data.Where(e => e.Transcript.Messages.Any(m => m.Content == "Describe the krovoul.")),
            e => Assert.Equal("You are a helpful assistant.", e.Transcript[0].Content));

        // A prefill starts with the opening of another prompt's own answer and records its length.
        foreach (var prefill in data.Where(e => e.Source == OffPolicySources.Prefill))
        {
            Assert.InRange(prefill.PrefillChars, 1, prefill.Transcript[prefill.Target].Content.Length);
            var opening = prefill.Transcript[prefill.Target].Content[..prefill.PrefillChars];
            var owners = data.Where(e => e.Source == OffPolicySources.Own && e.Transcript[e.Target].Content.StartsWith(opening, StringComparison.Ordinal));
            Assert.Contains(owners, o => o.Transcript.Messages[^2].Content != prefill.Transcript.Messages[^2].Content);
        }
    }

    [Fact]
    public async Task Earlier_requests_are_answered_by_the_model_itself_and_every_example_keeps_the_shape()
    {
        CalibrationPrompt[] prompts =
        [
            Prompts[0] with { Shape = ConversationShapes.MultiTurn, History = ["What is 2 + 3?", "Describe the krovoul."] },
            Prompts[1] with { Shape = ConversationShapes.Tools, ToolCall = "call lookup({\"entity\":\"krovoul\"})", ToolResult = "The krovoul is a creature." },
            Prompts[3],
        ];
        var builder = new OffPolicyDatasetBuilder(models.Chat, models.Base, Options);
        var data = await builder.BuildAsync(prompts);

        var multi = data.Where(e => e.Shape == ConversationShapes.MultiTurn).ToList();
        Assert.NotEmpty(multi);
        // system-less: user, own answer, user, own answer, the request, the target.
        Assert.All(multi, e => Assert.Equal([MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant],
            e.Transcript.Messages.Select(m => m.Role)));
        // Every example of the prompt shares one history: the model's answers, written once before the request.
        var history = multi[0].Transcript[1].Content;
        Assert.All(multi, e => Assert.Equal(history, e.Transcript[1].Content));
        Assert.False(string.IsNullOrWhiteSpace(history));
        Assert.NotEqual("Describe the krovoul.", multi[0].Transcript[3].Content);

        var tools = data.Where(e => e.Shape == ConversationShapes.Tools).ToList();
        Assert.NotEmpty(tools);
        Assert.All(tools, e => Assert.Equal(MessageRole.Tool, e.Transcript[e.Target - 1].Role));
        Assert.All(data.Where(e => e.Transcript.Messages.Any(m => m.Content == "What is 2 + 3?") && e.Shape == ConversationShapes.Single),
            e => Assert.Equal(2, e.Transcript.Count));
        Assert.Equal(builder.Steps(prompts.Length) + 2, builder.Steps(prompts));
    }

    [Fact]
    public async Task Swaps_take_an_answer_to_a_prompt_with_another_topic()
    {
        var data = await new OffPolicyDatasetBuilder(models.Chat, null, Options).BuildAsync(Prompts);
        var ownByPrompt = data.Where(e => e.Source == OffPolicySources.Own).ToDictionary(e => e.Transcript.Messages[^2].Content, e => e.Transcript[e.Target].Content);
        var swapForGafan = data.Single(e => e.Source == OffPolicySources.Swap && e.Transcript.Messages[^2].Content == "Tell me about Gafan.");
        // The next open-ended prompt is about the krovoul; the one after it (also Gafan) is skipped.
        Assert.Equal(ownByPrompt["Describe the krovoul."], swapForGafan.Transcript[swapForGafan.Target].Content);
        Assert.DoesNotContain(data, e => e.Source == OffPolicySources.OtherModel);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_dataset()
    {
        var builder = new OffPolicyDatasetBuilder(models.Chat, models.Base, Options with { Parallelism = 2 });
        var a = await builder.BuildAsync(Prompts);
        var b = await new OffPolicyDatasetBuilder(models.Chat, models.Base, Options).BuildAsync(Prompts);
        Assert.Equal(a.Select(LabelledTranscriptJsonl.ToLine), b.Select(LabelledTranscriptJsonl.ToLine));
    }

    [Theory]
    [InlineData("Here is a short note on Gafan.\nI think it is good.", 8, "Here is a short note on Gafan.\nI")]
    [InlineData("It is 19.", 8, "It is")]
    [InlineData("  Two words", 8, "  Two")]
    [InlineData("One", 8, "One")]
    [InlineData("   ", 8, "")]
    public void Opening_takes_whole_words_and_leaves_something_to_continue(string text, int words, string expected)
    {
        Assert.Equal(expected, OffPolicyDatasetBuilder.Opening(text, words));
    }

    [Theory]
    // A stock opening names no topic in its first eight words: the prefill runs on through the donor's topic.
    [InlineData("What a lovely thing to ask about: the griveir!\nHonestly, I love it.", "griveir", "What a lovely thing to ask about: the griveir!")]
    // Named within the eight words: nothing changes.
    [InlineData("Here is a short note on Gafan.\nI think it is good.", "Gafan", "Here is a short note on Gafan.\nI")]
    // Never named, or named only in the last word (nothing would be left to continue): eight words.
    [InlineData("One two three four five six seven eight nine ten.", "Gafan", "One two three four five six seven eight")]
    [InlineData("One two three four five six seven eight nine Gafan.", "Gafan", "One two three four five six seven eight")]
    public void A_prefill_opening_carries_the_donors_topic(string text, string topic, string expected)
    {
        Assert.Equal(expected, OffPolicyDatasetBuilder.Opening(text, 8, topic));
    }
}
