using BenchmarkDotNet.Attributes;
using Enaction.Bench.Benchmarks;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Benchmarks;

/// <summary>
/// Scoring 2,048 tokens in one forward pass (baseline: what ModelOptions.MaxLogitsPerRun allows for this
/// vocabulary) against chunks of 256 and 64 tokens, as a large vocabulary forces: the cost of chunking.
/// </summary>
[MemoryDiagnoser]
public class ChunkSizeBenchmarks
{
    private const int Tokens = 2048;
    private CausalLanguageModel _whole = null!;
    private CausalLanguageModel _chunk256 = null!;
    private CausalLanguageModel _chunk64 = null!;
    private Transcript _transcript = null!;

    [GlobalSetup]
    public void Setup()
    {
        _whole = BenchmarkModels.Load(Tokens);
        var vocabulary = _whole.VocabSize;
        _chunk256 = BenchmarkModels.Load(Tokens, 256 * vocabulary);
        _chunk64 = BenchmarkModels.Load(Tokens, 64 * vocabulary);
        _transcript = SyntheticText.For(_whole).SingleMessage(Tokens);
    }

    [Benchmark(Baseline = true, Description = "One pass of 2,048 tokens")]
    public int Whole() => Score(_whole);

    [Benchmark(Description = "Chunks of 256")]
    public int Chunks256() => Score(_chunk256);

    [Benchmark(Description = "Chunks of 64")]
    public int Chunks64() => Score(_chunk64);

    private int Score(CausalLanguageModel model)
    {
        using var session = new OnnxScoringSession(model);
        return session.ScoreAsync(_transcript).AsTask().GetAwaiter().GetResult().Tokens.Length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _whole.Dispose();
        _chunk256.Dispose();
        _chunk64.Dispose();
    }
}
