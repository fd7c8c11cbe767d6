using BenchmarkDotNet.Attributes;
using Enaction.Bench.Benchmarks;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Benchmarks;

/// <summary>
/// Turn 40 of an agent conversation: rescoring the whole transcript (baseline) against scoring only the new turn
/// in a session whose KV cache holds the first 39 turns.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)] // each incremental invocation needs a session that has just scored turn 39
public class IncrementalScoringBenchmarks
{
    private CausalLanguageModel _model = null!;
    private Transcript _before = null!;
    private Transcript _after = null!;
    private OnnxScoringSession? _session;

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Load(40 * 48);
        var conversation = SyntheticText.For(_model).Conversation(turns: 40, tokensPerTurn: 48);
        _before = conversation.Turns[^2];
        _after = conversation.Turns[^1];
    }

    [IterationSetup(Target = nameof(Incremental))]
    public void ScoreFirst39Turns()
    {
        _session?.Dispose();
        _session = new OnnxScoringSession(_model);
        _session.ScoreAsync(_before).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "Full rescoring, 40 turns")]
    public int FullRescore()
    {
        using var session = new OnnxScoringSession(_model);
        return session.ScoreAsync(_after).AsTask().GetAwaiter().GetResult().Tokens.Length;
    }

    [Benchmark(Description = "Incremental, turn 40 only")]
    public int Incremental() => _session!.ScoreAsync(_after).AsTask().GetAwaiter().GetResult().Tokens.Length;

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _model.Dispose();
    }
}
