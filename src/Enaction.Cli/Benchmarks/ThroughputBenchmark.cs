using System.Text.Json;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.Cli.Benchmarks;

/// <summary>
/// Teacher-forced scoring throughput of the C# scorer against the PyTorch reference on the same weights and the
/// same token ids, in the same run, plus the machine's matrix-multiply rate on the model's own shapes.
/// </summary>
public sealed class ThroughputBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Tokens">Transcript lengths to score.</param>
    /// <param name="Repeats">Timed runs per side and length (after one warm-up run).</param>
    /// <param name="Baseline">The PyTorch runner; null measures the C# side only.</param>
    /// <param name="Matmul">Also measure the matmul rate (needs the baseline's interpreter).</param>
    /// <param name="TokensPerPass">The scorer's chunk size, for the report.</param>
    /// <param name="IntraOpThreads">The scorer's intra-op threads, used for the ONNX Runtime matmul rate too.</param>
    public sealed record Options(IReadOnlyList<int> Tokens, int Repeats, PythonBaseline? Baseline, bool Matmul, int TokensPerPass, int IntraOpThreads);

    /// <summary>Runs the benchmark on <paramref name="model"/>.</summary>
    public static async Task<ThroughputResult> RunAsync(CausalLanguageModel model, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        var rows = new List<ThroughputRow>();
        foreach (var n in options.Tokens)
        {
            var transcript = text.SingleMessage(n);
            var ids = model.Encoder.Encode(transcript).Ids;
            var times = new List<double>();
            var cpuTimes = new List<double>();
            Enaction.Scoring.ScoredTranscript? scored = null;
            for (var i = 0; i <= options.Repeats; i++)
            {
                using var session = new OnnxScoringSession(model);
                var cpu = CpuClock.NowMs();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                scored = await session.ScoreAsync(transcript, cancellationToken);
                var ms = Samples.ElapsedMs(started);
                if (i == 0) continue;
                times.Add(ms);
                cpuTimes.Add(CpuClock.NowMs() - cpu);
            }
            var ours = Samples.Median(times);
            var oursCpu = Samples.Median(cpuTimes);

            double? theirs = null, theirsCpu = null, entropyDiff = null, surprisalDiff = null, boundMs = null, gflops = null, boundCpuMs = null;
            OrtMatmulRate.Result? ort = null;
            if (options.Baseline is { } baseline)
            {
                var idsFile = Path.GetTempFileName();
                var dumpFile = Path.GetTempFileName();
                try
                {
                    await File.WriteAllTextAsync(idsFile, JsonSerializer.Serialize(ids), cancellationToken);
                    var result = await baseline.RunAsync(
                        ["--model", model.Directory.Path, "--ids", idsFile, "--repeats", Invariant(options.Repeats), "--dump", dumpFile],
                        cancellationToken);
                    theirs = result.GetProperty("median_ms").GetDouble();
                    theirsCpu = result.GetProperty("median_cpu_ms").GetDouble();
                    using var dump = JsonDocument.Parse(await File.ReadAllTextAsync(dumpFile, cancellationToken));
                    (entropyDiff, surprisalDiff) = MaxDifference(scored!, dump.RootElement);
                }
                finally
                {
                    File.Delete(idsFile);
                    File.Delete(dumpFile);
                }
                if (options.Matmul)
                {
                    var rate = await baseline.RunAsync(
                        ["--model", model.Directory.Path, "--matmul", "--tokens", Invariant(ids.Length), "--repeats", Invariant(options.Repeats)],
                        cancellationToken);
                    gflops = rate.GetProperty("gflops").GetDouble();
                    var flops = rate.GetProperty("linear_flops").GetDouble() + rate.GetProperty("attention_flops").GetDouble();
                    boundMs = flops / (gflops.Value * 1e9) * 1000;
                    boundCpuMs = flops / (rate.GetProperty("gflops_per_cpu_second").GetDouble() * 1e9) * 1000;
                    ort = await OrtMatmulRate.MeasureAsync(baseline, model.Directory.Path, ids.Length, options.Repeats, options.IntraOpThreads, cancellationToken);
                }
            }
            rows.Add(new ThroughputRow(
                ids.Length,
                Samples.Round(ours),
                Samples.Round(ids.Length / ours * 1000, 0),
                theirs is null ? null : Samples.Round(theirs.Value),
                theirs is null ? null : Samples.Round(ids.Length / theirs.Value * 1000, 0),
                theirs is null ? null : Samples.Round(theirs.Value / ours, 2),
                entropyDiff, surprisalDiff,
                gflops is null ? null : Samples.Round(gflops.Value, 1),
                boundMs is null ? null : Samples.Round(boundMs.Value),
                boundMs is null ? null : Samples.Round(ours / boundMs.Value, 2),
                Samples.Round(oursCpu),
                theirsCpu is null ? null : Samples.Round(theirsCpu.Value),
                theirsCpu is null ? null : Samples.Round(theirsCpu.Value / oursCpu, 2),
                boundCpuMs is null ? null : Samples.Round(oursCpu / boundCpuMs.Value, 2),
                ort is { } o1 ? Samples.Round(o1.Gflops, 1) : null,
                ort is { } o2 ? Samples.Round((o2.LinearFlops + o2.AttentionFlops) / (o2.Gflops * 1e9) * 1000) : null,
                ort is { } o3 ? Samples.Round(ours / ((o3.LinearFlops + o3.AttentionFlops) / (o3.Gflops * 1e9) * 1000), 2) : null,
                ort is { } o4 ? Samples.Round(oursCpu / ((o4.LinearFlops + o4.AttentionFlops) / (o4.GflopsPerCpuSecond * 1e9) * 1000), 2) : null));
        }
        return new ThroughputResult(model.Id, model.VocabSize, model.ContextLength, options.TokensPerPass, options.Repeats,
            options.Baseline?.Threads, rows, machine);
    }

    private static (double Entropy, double Surprisal) MaxDifference(Enaction.Scoring.ScoredTranscript ours, JsonElement theirs)
    {
        var entropy = theirs.GetProperty("entropy");
        var surprisal = theirs.GetProperty("surprisal");
        double maxEntropy = 0, maxSurprisal = 0;
        var i = 1;
        foreach (var (e, s) in entropy.EnumerateArray().Zip(surprisal.EnumerateArray()))
        {
            var token = ours.Tokens[i++];
            maxEntropy = Math.Max(maxEntropy, Math.Abs(token.Entropy - e.GetDouble()));
            maxSurprisal = Math.Max(maxSurprisal, Math.Abs(token.Surprisal - s.GetDouble()));
        }
        return (Samples.Round(maxEntropy, 6), Samples.Round(maxSurprisal, 6));
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One transcript length. Times are medians in milliseconds.</summary>
/// <param name="Tokens">Tokens scored.</param>
/// <param name="CsharpMs">C# scorer: render, tokenise, forward passes, statistics, result.</param>
/// <param name="CsharpTokensPerSecond">Tokens / CsharpMs.</param>
/// <param name="PytorchMs">PyTorch: one causal forward pass over the same ids plus the same statistics.</param>
/// <param name="PytorchTokensPerSecond">Tokens / PytorchMs.</param>
/// <param name="Speedup">PytorchMs / CsharpMs (above 1: the C# scorer is faster).</param>
/// <param name="MaxEntropyDifference">Largest |entropy difference| between the two, in nats.</param>
/// <param name="MaxSurprisalDifference">Largest |surprisal difference| between the two, in nats.</param>
/// <param name="MatmulGflops">torch.mm rate on the model's linear shapes at this length.</param>
/// <param name="MatmulBoundMs">The forward pass's FLOPs (linear layers + causal attention) at that rate.</param>
/// <param name="BoundRatio">CsharpMs / MatmulBoundMs (the target is at most 2).</param>
/// <param name="CsharpCpuMs">CPU time of the C# scoring (all threads of the process, including spin-waits).</param>
/// <param name="PytorchCpuMs">CPU time of the PyTorch scoring.</param>
/// <param name="CpuSpeedup">PytorchCpuMs / CsharpCpuMs: the load-independent comparison when both sides run one thread.</param>
/// <param name="CpuBoundRatio">CsharpCpuMs over the FLOPs at the matmul rate per CPU-second.</param>
/// <param name="OrtMatmulGflops">ONNX Runtime's own MatMul rate on the model's linear shapes (same thread count as the scorer).</param>
/// <param name="OrtMatmulBoundMs">The forward pass's FLOPs at that rate.</param>
/// <param name="OrtBoundRatio">CsharpMs / OrtMatmulBoundMs.</param>
/// <param name="OrtCpuBoundRatio">The same in CPU time.</param>
public sealed record ThroughputRow(int Tokens, double CsharpMs, double CsharpTokensPerSecond, double? PytorchMs,
    double? PytorchTokensPerSecond, double? Speedup, double? MaxEntropyDifference, double? MaxSurprisalDifference,
    double? MatmulGflops, double? MatmulBoundMs, double? BoundRatio,
    double CsharpCpuMs, double? PytorchCpuMs, double? CpuSpeedup, double? CpuBoundRatio,
    double? OrtMatmulGflops, double? OrtMatmulBoundMs, double? OrtBoundRatio, double? OrtCpuBoundRatio);

/// <summary>What <see cref="ThroughputBenchmark"/> measured.</summary>
/// <param name="Model">Model id.</param>
/// <param name="Vocabulary">Logits per token.</param>
/// <param name="ContextLength">Context the scorer ran with.</param>
/// <param name="TokensPerPass">Most tokens per forward pass (the scorer's chunk size).</param>
/// <param name="Repeats">Timed runs per side.</param>
/// <param name="TorchThreads">torch.set_num_threads on the PyTorch side.</param>
/// <param name="Rows">One row per length.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record ThroughputResult(string Model, int Vocabulary, int ContextLength, int TokensPerPass, int Repeats, int? TorchThreads,
    IReadOnlyList<ThroughputRow> Rows, BenchMachine Machine);
