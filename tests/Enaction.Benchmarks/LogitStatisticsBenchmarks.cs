using BenchmarkDotNet.Attributes;
using Enaction.Onnx.Scoring;

namespace Enaction.Benchmarks;

/// <summary>
/// Reducing one row of logits to entropy, surprisal, rank and Var[ln p]: a straightforward scalar loop (baseline)
/// against the vectorised <see cref="LogitStatistics.Compute"/> the scorer uses, at Llama-2 and Qwen-sized vocabularies.
/// </summary>
public class LogitStatisticsBenchmarks
{
    private float[] _logits = [];
    private float[] _scratch = [];
    private int _target;

    [Params(32_000, 150_000)]
    public int Vocabulary { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _logits = new float[Vocabulary];
        for (var i = 0; i < _logits.Length; i++) _logits[i] = (float)(random.NextDouble() * 20 - 10);
        _scratch = new float[2 * Vocabulary];
        _target = Vocabulary / 3;
    }

    [Benchmark(Baseline = true)]
    public double Scalar()
    {
        var logits = _logits;
        var max = float.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        double sum = 0, first = 0, second = 0;
        var rank = 1;
        var value = logits[_target];
        foreach (var x in logits)
        {
            var shifted = x - max;
            var weight = Math.Exp(shifted);
            sum += weight;
            first += weight * shifted;
            second += weight * shifted * shifted;
            if (x > value) rank++;
        }
        var logSum = Math.Log(sum);
        var mean = first / sum;
        var entropy = logSum - mean;
        var surprisal = logSum - (value - max);
        var variance = second / sum - mean * mean;
        return entropy + surprisal + variance + rank;
    }

    [Benchmark]
    public double Vectorized()
    {
        var r = LogitStatistics.Compute(_logits, _target, _scratch);
        return r.Entropy + r.Surprisal + r.LogProbVariance + r.Rank;
    }
}
