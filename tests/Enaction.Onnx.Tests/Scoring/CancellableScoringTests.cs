using System.Collections.Concurrent;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using static Enaction.Onnx.Tests.Scoring.IncrementalScoringTests;

namespace Enaction.Onnx.Tests.Scoring;

[Collection(BundledModelsCollection.Name)]
public class CancellableScoringTests(BundledModels models)
{
    [Fact]
    public async Task A_cancelled_call_stops_the_run_and_the_next_call_continues_from_what_was_computed()
    {
        // 16 tokens per forward pass, so a call is many passes and the cancellation lands between two of them.
        using var model = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, MaxTokensPerRun = 16 });
        using var scorer = new OnnxConversationScorer(model);
        var transcript = SessionForkTests.Padded(24);
        var expected = await scorer.ScoreAsync(transcript);
        var n = expected.Tokens.Length;
        Assert.InRange(n, 100, model.ContextLength);

        using var session = (OnnxScoringSession)scorer.OpenSession();
        using var cancel = new CancellationTokenSource();
        session.RunStarting = position => { if (position == 64) cancel.Cancel(); };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await session.ScoreAsync(transcript, cancel.Token));
        // ONNX Runtime refused the pass that starts at token 64 (the terminate flag); the four passes before it stand.
        Assert.Equal(64, session.LastRun.ComputedTokens);

        session.RunStarting = null;
        var scored = await session.ScoreAsync(transcript);
        // Only the rest, plus token 63 again: its output row predicts token 64, and it was not kept.
        Assert.Equal(n - 63, session.LastRun.ComputedTokens);
        AssertSameScores(expected, scored, 1e-4f);
    }

    [Fact]
    public async Task Many_cancelled_calls_compute_only_on_the_scorers_own_bounded_threads()
    {
        using var scorer = new OnnxConversationScorer(models.Chat, options: new OnnxScorerOptions { MaxConcurrentRuns = 2 });
        var transcript = SessionForkTests.Padded(12);
        var computing = new ConcurrentDictionary<int, string?>();
        var sessions = Enumerable.Range(0, 40).Select(_ => (OnnxScoringSession)scorer.OpenSession()).ToArray();
        foreach (var s in sessions) s.RunStarting = _ => computing[Environment.CurrentManagedThreadId] = Thread.CurrentThread.Name;

        await Task.WhenAll(sessions.Select((session, i) => Task.Run(async () =>
        {
            using var cancel = new CancellationTokenSource();
            if (i % 3 == 0) await cancel.CancelAsync();
            else if (i % 3 == 1) cancel.CancelAfter(i);
            try
            {
                await session.ScoreAsync(transcript, cancel.Token);
            }
            catch (OperationCanceledException)
            {
            }
        })));

        Assert.InRange(computing.Count, 1, 2);
        Assert.All(computing.Values, name => Assert.StartsWith("Enaction scoring", name));
        Assert.Equal(2, scorer.ThreadsStarted);

        // Every session, cancelled or not, is consistent afterwards.
        var expected = await scorer.ScoreAsync(transcript);
        foreach (var session in sessions)
        {
            session.RunStarting = null;
            AssertSameScores(expected, await session.ScoreAsync(transcript), 1e-4f);
            session.Dispose();
        }
    }

    [Fact]
    public void The_concurrency_limit_is_validated_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxConversationScorer(models.Chat, options: new OnnxScorerOptions { MaxConcurrentRuns = 0 }));
        Assert.Contains("MaxConcurrentRuns", e.Message);
    }
}
