using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Scoring;

[Collection(BundledModelsCollection.Name)]
public class IncrementalScoringTests(BundledModels models)
{
    private static readonly Transcript Conversation = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("What is 12 + 7?"),
        TranscriptMessage.Assistant("12 + 7 = 19."),
        TranscriptMessage.User("Tell me about the river town."),
        TranscriptMessage.Assistant("The river town sits on a wide bend. Its market opens at dawn, and the bridge is old."),
        TranscriptMessage.Tool("{\"result\": 19}", "add"),
        TranscriptMessage.User("Thanks. Sort these: pear, apple, fig."),
    ]);

    [Fact]
    public async Task Appending_turns_scores_only_new_tokens_and_equals_a_full_score()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        using var session = scorer.OpenSession();
        var previousTokens = 0;
        ScoredTranscript? last = null;
        for (var turns = 2; turns <= Conversation.Count; turns++)
        {
            last = await session.ScoreAsync(Conversation.Take(turns));
            var run = session.LastRun;
            Assert.Equal(last.Tokens.Length, run.TotalTokens);
            Assert.Equal(previousTokens, run.ReusedTokens);
            Assert.Equal(last.Tokens.Length - previousTokens, run.ComputedTokens);
            previousTokens = last.Tokens.Length;
        }

        var full = await scorer.ScoreAsync(Conversation);
        AssertSameScores(full, last!, 1e-4f);
    }

    [Fact]
    public async Task Scoring_the_same_transcript_again_computes_nothing()
    {
        using var session = new OnnxScoringSession(models.Chat);
        var first = await session.ScoreAsync(Conversation);
        var second = await session.ScoreAsync(Conversation);
        Assert.Equal(0, session.LastRun.ComputedTokens);
        AssertSameScores(first, second, 0f);
    }

    [Fact]
    public async Task An_edited_history_is_rescored_from_the_first_changed_token()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        using var session = scorer.OpenSession();
        await session.ScoreAsync(Conversation);

        var edited = new Transcript(Conversation.Messages.SetItem(4, TranscriptMessage.Assistant("The river town is famous for its clocks and its quiet harbour.")));
        var incremental = await session.ScoreAsync(edited);
        var full = await scorer.ScoreAsync(edited);
        AssertSameScores(full, incremental, 1e-4f);

        // Only the tokens from the edit on were run again (plus the one before it, whose output predicts the edit).
        var firstChanged = FirstDifference(await scorer.ScoreAsync(Conversation), full);
        Assert.Equal(full.Tokens.Length - firstChanged + 1, session.LastRun.ComputedTokens);
    }

    [Fact]
    public async Task A_shorter_transcript_reuses_its_prefix()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        using var session = scorer.OpenSession();
        await session.ScoreAsync(Conversation);
        var shorter = await session.ScoreAsync(Conversation.Take(3));
        AssertSameScores(await scorer.ScoreAsync(Conversation.Take(3)), shorter, 1e-4f);
        Assert.Equal(1, session.LastRun.ComputedTokens);

        // ...and appending after going back still matches a full score.
        var again = await session.ScoreAsync(Conversation);
        AssertSameScores(await scorer.ScoreAsync(Conversation), again, 1e-4f);
    }

    [Fact]
    public async Task Tokens_beyond_the_context_window_are_scored_on_a_sliding_window_and_marked()
    {
        using var small = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, ContextLength = 48 });
        using var scorer = new OnnxConversationScorer(small);
        var scored = await scorer.ScoreAsync(Conversation);
        Assert.True(scored.Tokens.Length > 48);
        // Token t is predicted from tokens 0..t-1, so the first 49 tokens see their whole context.
        Assert.All(scored.Tokens.Take(49), t => Assert.False(t.Truncated));
        Assert.All(scored.Tokens.Skip(49), t => Assert.True(t.Truncated));
        Assert.All(scored.Tokens.Skip(1), t => Assert.True(float.IsFinite(t.Entropy) && t.Entropy >= 0));

        // The same window logic holds incrementally.
        using var session = scorer.OpenSession();
        for (var turns = 1; turns <= Conversation.Count; turns++) await session.ScoreAsync(Conversation.Take(turns));
        var incremental = await session.ScoreAsync(Conversation);
        Assert.Equal(scored.Tokens.Length, incremental.Tokens.Length);
        Assert.Equal(scored.Tokens.Count(t => t.Truncated), incremental.Tokens.Count(t => t.Truncated));
    }

    [Fact]
    public async Task One_model_serves_many_conversations_concurrently()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        var expected = await scorer.ScoreAsync(Conversation);
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            using var session = scorer.OpenSession();
            ScoredTranscript? result = null;
            for (var turns = 1 + i % 3; turns <= Conversation.Count; turns++) result = await session.ScoreAsync(Conversation.Take(turns));
            return result!;
        })).ToArray();
        foreach (var result in await Task.WhenAll(tasks)) AssertSameScores(expected, result, 1e-4f);
    }

    [Fact]
    public async Task Tokens_map_back_to_their_messages_and_characters()
    {
        using var scorer = new OnnxConversationScorer(models.Chat);
        var scored = await scorer.ScoreAsync(Conversation);
        Assert.False(scored.Tokens[0].HasScore);
        Assert.True(float.IsNaN(scored.Tokens[0].Entropy));
        for (var m = 0; m < Conversation.Count; m++)
        {
            var content = Conversation[m].Content;
            var pieces = scored.Tokens.Where(t => t.Message == m).ToList();
            Assert.NotEmpty(pieces);
            Assert.All(pieces, t => Assert.Equal(Conversation[m].Role, t.Role));
            // The content tokens cover the message exactly, in order.
            Assert.Equal(0, pieces[0].Start);
            Assert.Equal(content.Length, pieces[^1].End);
            for (var i = 1; i < pieces.Count; i++) Assert.Equal(pieces[i - 1].End, pieces[i].Start);
        }
    }

    [Fact]
    public async Task Cancelling_stops_scoring_and_the_session_recovers()
    {
        using var session = new OnnxScoringSession(models.Chat);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await session.ScoreAsync(Conversation, cancelled.Token));
        var scored = await session.ScoreAsync(Conversation);
        Assert.Equal(scored.Tokens.Length, session.LastRun.ComputedTokens);
    }

    internal static void AssertSameScores(ScoredTranscript expected, ScoredTranscript actual, float tolerance)
    {
        Assert.Equal(expected.Tokens.Length, actual.Tokens.Length);
        for (var i = 0; i < expected.Tokens.Length; i++)
        {
            var e = expected.Tokens[i];
            var a = actual.Tokens[i];
            Assert.Equal(e.Id, a.Id);
            Assert.Equal(e.Message, a.Message);
            Assert.Equal(e.HasScore, a.HasScore);
            if (!e.HasScore) continue;
            Assert.True(Math.Abs(e.Entropy - a.Entropy) <= tolerance, $"token {i}: entropy {a.Entropy} vs {e.Entropy}");
            Assert.True(Math.Abs(e.Surprisal - a.Surprisal) <= tolerance, $"token {i}: surprisal {a.Surprisal} vs {e.Surprisal}");
        }
    }

    private static int FirstDifference(ScoredTranscript a, ScoredTranscript b)
    {
        var i = 0;
        while (i < a.Tokens.Length && i < b.Tokens.Length && a.Tokens[i].Id == b.Tokens[i].Id) i++;
        return i;
    }
}
