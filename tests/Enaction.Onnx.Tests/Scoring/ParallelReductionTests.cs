using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>
/// A pass with enough logits has its per-token statistics split over ONNX Runtime's thread count. Splitting must not
/// change a single number: every token's entropy, surprisal, rank and variance equal those of the one-thread reduction,
/// with the cache and with a sliding window. (The fixture model without a cache has a 300-token vocabulary: its passes
/// are too small to split, and ReferenceScoringTests checks its rows.)
/// </summary>
public class ParallelReductionTests
{
    // ~700 tokens: 256-token passes of the 2,048-token vocabulary hold 2^19 logits, enough for two threads.
    private static readonly Transcript Long = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User(string.Join(' ', Enumerable.Repeat("Tell me about the river town and its old bridge.", 30))),
        TranscriptMessage.Assistant(string.Join(' ', Enumerable.Repeat("The river town sits on a wide bend. Its market opens at dawn.", 20))),
    ]);

    [Theory]
    [InlineData("models/tiny-chat", null)]
    [InlineData("models/tiny-chat", 300)]
    public async Task Statistics_split_over_threads_equal_the_one_thread_reduction(string model, int? context)
    {
        var path = Path.Combine(TestPaths.RepoRoot, model);
        // The same ONNX Runtime arithmetic on both sides (one intra-op thread); only the reduction's split differs.
        using var one = CausalLanguageModel.Load(path, Options(context, threads: 1));
        using var split = CausalLanguageModel.Load(path, Options(context, threads: 1, reductionThreads: 4));
        Assert.Equal(1, one.ReductionThreads);
        Assert.Equal(4, split.ReductionThreads);

        using var a = new OnnxScoringSession(one);
        using var b = new OnnxScoringSession(split);
        var expected = await a.ScoreAsync(Long);
        var actual = await b.ScoreAsync(Long);

        Assert.True(expected.Tokens.Length > 600, $"the transcript renders to {expected.Tokens.Length} tokens");
        Assert.Equal(expected.Tokens.Length, actual.Tokens.Length);
        for (var i = 0; i < expected.Tokens.Length; i++)
        {
            var (e, t) = (expected.Tokens[i], actual.Tokens[i]);
            Assert.Equal(e.HasScore, t.HasScore);
            if (!e.HasScore) continue;
            Assert.Equal(e.Entropy, t.Entropy);
            Assert.Equal(e.Surprisal, t.Surprisal);
            Assert.Equal(e.Rank, t.Rank);
            Assert.Equal(e.LogProbVariance, t.LogProbVariance);
            Assert.Equal(e.Truncated, t.Truncated);
        }
    }

    private static ModelOptions Options(int? context, int threads, int? reductionThreads = null) => new()
    {
        ExecutionProvider = ExecutionProvider.Cpu,
        IntraOpThreads = threads,
        ContextLength = context,
        ReductionThreads = reductionThreads,
    };
}
