using Enaction.Detection;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;
using static Enaction.Onnx.Tests.Scoring.IncrementalScoringTests;

namespace Enaction.Onnx.Tests.Scoring;

[Collection(BundledModelsCollection.Name)]
public class SessionForkTests(BundledModels models)
{
    private static readonly Transcript Conversation = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("What is 12 + 7?"),
        TranscriptMessage.Assistant("12 + 7 = 19."),
        TranscriptMessage.User("Tell me about the river town."),
        TranscriptMessage.Assistant("The river town sits on a wide bend. Its market opens at dawn, and the bridge is old."),
    ]);

    [Fact]
    public async Task A_fork_continues_from_its_parent_and_neither_sees_the_others_turns()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        var prefix = Conversation.Take(3);
        var prefixTokens = (await scorer.ScoreAsync(prefix)).Tokens.Length;
        var session = scorer.OpenSession();
        await session.ScoreAsync(prefix);

        using var fork = session.Fork();
        var branch = prefix.Append(TranscriptMessage.User("")).Append(TranscriptMessage.Assistant("The river town sits on a wide bend."));
        var branched = await fork.ScoreAsync(branch);
        AssertSameScores(await scorer.ScoreAsync(branch), branched, 1e-4f);
        Assert.Equal(prefixTokens, fork.LastRun.ReusedTokens);

        // The parent goes on with its own turns from where it was, at the cost of those turns only.
        var main = await session.ScoreAsync(Conversation);
        Assert.Equal(prefixTokens, session.LastRun.ReusedTokens);
        AssertSameScores(await scorer.ScoreAsync(Conversation), main, 1e-4f);

        // The fork keeps working after its parent is gone (the shared model state is released by the last holder).
        session.Dispose();
        var longer = branch.Append(TranscriptMessage.User("And the bridge?"));
        AssertSameScores(await scorer.ScoreAsync(longer), await fork.ScoreAsync(longer), 1e-4f);
        Assert.Equal(branched.Tokens.Length, fork.LastRun.ReusedTokens);
    }

    [Fact]
    public async Task Judging_every_turn_of_a_transcript_costs_tokens_linear_in_its_length()
    {
        // A context that holds the longest transcript, so no window slides and the count is the judging alone.
        using var model = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, ContextLength = 8192 });
        using var scorer = new OnnxConversationScorer(model);
        var small = Padded(20);
        var large = Padded(80);

        var judgedSmall = await DetectionContext.ScoreAsync(scorer, small);
        var judgedLarge = await DetectionContext.ScoreAsync(scorer, large);
        Assert.Equal(PromptContrast.Judged(large).Count(), judgedLarge.Contrasts.Count);

        var computedSmall = judgedSmall.Statistics.ComputedTokens + judgedSmall.ContrastStatistics.ComputedTokens;
        var computedLarge = judgedLarge.Statistics.ComputedTokens + judgedLarge.ContrastStatistics.ComputedTokens;
        Assert.True(computedLarge <= 4.5 * computedSmall, $"4x the messages computed {computedLarge} tokens against {computedSmall}");
        // The transcript itself once, and each second scoring only its emptied request and its turn.
        Assert.Equal(judgedLarge.Scores.Tokens.Length, judgedLarge.Statistics.ComputedTokens);
        Assert.True(judgedLarge.ContrastStatistics.ComputedTokens < judgedLarge.Scores.Tokens.Length);

        // Each second scoring equals scoring its ablated transcript from scratch.
        foreach (var m in new[] { 2, 40, 78 })
            AssertSameScores(await scorer.ScoreAsync(PromptContrast.Ablate(large, m)!), judgedLarge.Contrasts[m], 1e-4f);
    }

    /// <summary>A system message, then <paramref name="messages"/> - 1 user and assistant turns alternating.</summary>
    internal static Transcript Padded(int messages)
    {
        string[] words = ["the", "river", "town", "market", "opens", "at", "dawn", "and", "bridge", "is", "old", "wide", "bend", "sits", "on", "a"];
        var random = new Random(5);
        var list = new List<TranscriptMessage> { TranscriptMessage.System("You are a helpful assistant.") };
        for (var m = 1; m < messages; m++)
        {
            var text = string.Join(' ', Enumerable.Range(0, random.Next(4, 14)).Select(_ => words[random.Next(words.Length)]));
            list.Add(m % 2 == 1 ? TranscriptMessage.User(text) : TranscriptMessage.Assistant(text));
        }
        return new Transcript(list);
    }
}
