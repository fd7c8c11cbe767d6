using System.Text.Json;
using Enaction.Evaluation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Teacher-forced scoring throughput of the C# scorer against the PyTorch reference on the same weights and the
/// same token ids, in the same run with the two sides' runs interleaved, plus the machine's best matrix-multiply rate
/// on the model's own shapes (the faster of ONNX Runtime's MatMul and torch.mm).
/// </summary>
public sealed class ThroughputBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Tokens">Transcript lengths to score.</param>
    /// <param name="Repeats">Timed runs per side and length (after one warm-up run each); the sides alternate.</param>
    /// <param name="Baseline">The PyTorch runner; null measures the C# side only.</param>
    /// <param name="Matmul">Also measure the matmul rates (needs the baseline's interpreter).</param>
    /// <param name="TokensPerPass">The scorer's chunk size, for the report.</param>
    /// <param name="IntraOpThreads">The scorer's intra-op threads, used for the ONNX Runtime matmul rate too.</param>
    /// <param name="Float32Reference">
    /// When the scorer under test runs in int8, the same model in float32: each length is scored with it once and
    /// the largest per-token entropy and surprisal differences are reported.
    /// </param>
    /// <param name="AllowSpinning">The scorer's ONNX Runtime spinning policy, for the report.</param>
    public sealed record Options(IReadOnlyList<int> Tokens, int Repeats, PythonBaseline? Baseline, bool Matmul, int TokensPerPass, int IntraOpThreads,
        CausalLanguageModel? Float32Reference = null, bool AllowSpinning = false);

    /// <summary>Runs the benchmark on <paramref name="model"/>.</summary>
    public static async Task<ThroughputResult> RunAsync(CausalLanguageModel model, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        var rows = new List<ThroughputRow>();
        JsonElement? baselineSettings = null;
        await using var server = options.Baseline is { } b
            ? await PythonBaselineServer.StartAsync(b, model.Directory.Path, cancellationToken)
            : null;
        if (server is not null) baselineSettings = server.Ready.GetProperty("baseline_settings");
        foreach (var n in options.Tokens)
        {
            var transcript = text.SingleMessage(n);
            var ids = model.Encoder.Encode(transcript).Ids;
            var idsFile = Path.GetTempFileName();
            var dumpFile = Path.GetTempFileName();
            try
            {
                await File.WriteAllTextAsync(idsFile, JsonSerializer.Serialize(ids), cancellationToken);
                var times = new List<double>();
                var cpuTimes = new List<double>();
                var theirTimes = new List<double>();
                var theirCpuTimes = new List<double>();
                var theirFaults = new List<double>();
                Enaction.Scoring.ScoredTranscript? scored = null;
                // Run 0 of each side warms up; then the sides alternate, so a burst of load elsewhere hits both.
                for (var i = 0; i <= options.Repeats; i++)
                {
                    using (var session = new OnnxScoringSession(model))
                    {
                        var cpu = CpuClock.NowMs();
                        var started = System.Diagnostics.Stopwatch.GetTimestamp();
                        scored = await session.ScoreAsync(transcript, cancellationToken);
                        var ms = Samples.ElapsedMs(started);
                        var cpuMs = CpuClock.NowMs() - cpu;
                        if (i > 0)
                        {
                            times.Add(ms);
                            cpuTimes.Add(cpuMs);
                        }
                    }
                    if (server is not null)
                    {
                        var run = await server.ScoreAsync(idsFile, i == options.Repeats ? dumpFile : null, cancellationToken);
                        if (i > 0)
                        {
                            theirTimes.Add(run.Ms);
                            theirCpuTimes.Add(run.CpuMs);
                            theirFaults.Add(run.MinorFaults);
                        }
                    }
                }
                var ours = Samples.Median(times);
                var oursCpu = Samples.Median(cpuTimes);
                double? theirs = null, theirsCpu = null, entropyDiff = null, surprisalDiff = null, faults = null;
                if (server is not null)
                {
                    theirs = Samples.Median(theirTimes);
                    theirsCpu = Samples.Median(theirCpuTimes);
                    faults = Samples.Median(theirFaults);
                    using var dump = JsonDocument.Parse(await File.ReadAllTextAsync(dumpFile, cancellationToken));
                    (entropyDiff, surprisalDiff) = MaxDifference(scored!, dump.RootElement);
                }

                double? referenceEntropy = null, referenceSurprisal = null;
                if (options.Float32Reference is { } reference)
                {
                    using var session = new OnnxScoringSession(reference);
                    var exact = await session.ScoreAsync(transcript, cancellationToken);
                    (referenceEntropy, referenceSurprisal) = MaxDifference(scored!, exact);
                }

                MatmulBound? bound = null;
                if (options.Matmul && options.Baseline is { } baseline)
                    bound = await MeasureBoundAsync(baseline, model, ids.Length, options, cancellationToken);

                rows.Add(new ThroughputRow(
                    ids.Length,
                    Samples.Round(ours),
                    Samples.Round(ids.Length / ours * 1000, 0),
                    Samples.Round(oursCpu),
                    Samples.Round(oursCpu / ours, 2),
                    theirs is null ? null : Samples.Round(theirs.Value),
                    theirs is null ? null : Samples.Round(ids.Length / theirs.Value * 1000, 0),
                    theirsCpu is null ? null : Samples.Round(theirsCpu.Value),
                    faults,
                    theirs is null ? null : Samples.Round(theirs.Value / ours, 2),
                    theirsCpu is null ? null : Samples.Round(theirsCpu.Value / oursCpu, 2),
                    entropyDiff, surprisalDiff,
                    referenceEntropy, referenceSurprisal,
                    bound?.TorchGflops is { } tg ? Samples.Round(tg, 1) : null,
                    bound?.OrtGflops is { } og ? Samples.Round(og, 1) : null,
                    bound?.Source,
                    bound is { } b1 ? Samples.Round(b1.BoundMs) : null,
                    bound is { } b2 ? Samples.Round(ours / b2.BoundMs, 2) : null));
            }
            finally
            {
                File.Delete(idsFile);
                File.Delete(dumpFile);
            }
        }
        return new ThroughputResult(model.Id, CalibrationPrecisionName(model), model.VocabSize, model.ContextLength, options.TokensPerPass,
            options.Repeats, options.IntraOpThreads, options.AllowSpinning, options.Baseline?.Threads, baselineSettings, rows, machine);
    }

    private static string CalibrationPrecisionName(CausalLanguageModel model) => CalibrationPrecision.NameOf(model.Precision);

    /// <summary>The machine's best rate on the model's linear shapes: the faster of torch.mm and ONNX Runtime's MatMul.</summary>
    private readonly record struct MatmulBound(double TorchGflops, double OrtGflops, string Source, double BoundMs);

    private static async Task<MatmulBound> MeasureBoundAsync(PythonBaseline baseline, CausalLanguageModel model, int tokens, Options options,
        CancellationToken cancellationToken)
    {
        var rate = await baseline.RunAsync(
            ["--model", model.Directory.Path, "--matmul", "--tokens", Invariant(tokens), "--repeats", Invariant(options.Repeats)],
            cancellationToken);
        var torch = rate.GetProperty("gflops").GetDouble();
        var flops = rate.GetProperty("linear_flops").GetDouble() + rate.GetProperty("attention_flops").GetDouble();
        var ort = await OrtMatmulRate.MeasureAsync(baseline, model.Directory.Path, tokens, options.Repeats, options.IntraOpThreads, options.AllowSpinning, cancellationToken);
        var (best, source) = ort.Gflops >= torch ? (ort.Gflops, "onnxruntime") : (torch, "torch.mm");
        return new MatmulBound(torch, ort.Gflops, source, flops / (best * 1e9) * 1000);
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

    private static (double Entropy, double Surprisal) MaxDifference(Enaction.Scoring.ScoredTranscript ours, Enaction.Scoring.ScoredTranscript exact)
    {
        double maxEntropy = 0, maxSurprisal = 0;
        // Token 0 has no prediction; every later token has entropy and surprisal on both sides.
        for (var i = 1; i < ours.Tokens.Length; i++)
        {
            maxEntropy = Math.Max(maxEntropy, Math.Abs(ours.Tokens[i].Entropy - exact.Tokens[i].Entropy));
            maxSurprisal = Math.Max(maxSurprisal, Math.Abs(ours.Tokens[i].Surprisal - exact.Tokens[i].Surprisal));
        }
        return (Samples.Round(maxEntropy, 6), Samples.Round(maxSurprisal, 6));
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One transcript length. Times are medians in milliseconds over the interleaved runs.</summary>
/// <param name="Tokens">Tokens scored.</param>
/// <param name="CsharpMs">C# scorer: render, tokenise, forward passes, statistics, result.</param>
/// <param name="CsharpTokensPerSecond">Tokens / CsharpMs.</param>
/// <param name="CsharpCpuMs">CPU time of the C# scoring (all threads of the process).</param>
/// <param name="CsharpCoresUsed">CsharpCpuMs / CsharpMs: about 2 when the scorer keeps both cores busy.</param>
/// <param name="PytorchMs">PyTorch: one causal forward pass over the same ids plus the same statistics.</param>
/// <param name="PytorchTokensPerSecond">Tokens / PytorchMs.</param>
/// <param name="PytorchCpuMs">CPU time of the PyTorch scoring.</param>
/// <param name="PytorchMinorFaults">Median minor page faults of a PyTorch run (freed memory kept: near 0).</param>
/// <param name="Speedup">PytorchMs / CsharpMs (above 1: the C# scorer is faster).</param>
/// <param name="CpuSpeedup">PytorchCpuMs / CsharpCpuMs.</param>
/// <param name="MaxEntropyDifference">Largest |entropy difference| from PyTorch (float32), in nats.</param>
/// <param name="MaxSurprisalDifference">Largest |surprisal difference| from PyTorch (float32), in nats.</param>
/// <param name="Int8MaxEntropyError">In int8 mode: largest |entropy difference| from the float32 C# scorer, in nats.</param>
/// <param name="Int8MaxSurprisalError">In int8 mode: largest |surprisal difference| from the float32 C# scorer, in nats.</param>
/// <param name="TorchMatmulGflops">torch.mm rate on the model's linear shapes at this length (the baseline's threads).</param>
/// <param name="OrtMatmulGflops">ONNX Runtime's MatMul rate on the same shapes (the scorer's threads).</param>
/// <param name="MatmulBoundSource">Which of the two is faster: the rate the bound uses.</param>
/// <param name="MatmulBoundMs">The forward pass's FLOPs (linear layers + causal attention) at the faster rate.</param>
/// <param name="BoundRatio">CsharpMs / MatmulBoundMs.</param>
public sealed record ThroughputRow(int Tokens, double CsharpMs, double CsharpTokensPerSecond, double CsharpCpuMs, double CsharpCoresUsed,
    double? PytorchMs, double? PytorchTokensPerSecond, double? PytorchCpuMs, double? PytorchMinorFaults,
    double? Speedup, double? CpuSpeedup, double? MaxEntropyDifference, double? MaxSurprisalDifference,
    double? Int8MaxEntropyError, double? Int8MaxSurprisalError,
    double? TorchMatmulGflops, double? OrtMatmulGflops, string? MatmulBoundSource, double? MatmulBoundMs, double? BoundRatio);

/// <summary>What <see cref="ThroughputBenchmark"/> measured.</summary>
/// <param name="Model">Model id.</param>
/// <param name="Precision">The scorer's arithmetic (float32 or int8); the PyTorch baseline is always float32.</param>
/// <param name="Vocabulary">Logits per token.</param>
/// <param name="ContextLength">Context the scorer ran with.</param>
/// <param name="TokensPerPass">Most tokens per forward pass (the scorer's chunk size).</param>
/// <param name="Repeats">Timed runs per side.</param>
/// <param name="IntraOpThreads">The scorer's ONNX Runtime intra-op threads (0 = one per core).</param>
/// <param name="AllowSpinning">Whether the scorer's intra-op threads spin between parallel sections.</param>
/// <param name="TorchThreads">torch.set_num_threads on the PyTorch side.</param>
/// <param name="BaselineSettings">The baseline process's settings as it reported them (environment, OpenBLAS kernel and threads).</param>
/// <param name="Rows">One row per length.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record ThroughputResult(string Model, string Precision, int Vocabulary, int ContextLength, int TokensPerPass, int Repeats,
    int IntraOpThreads, bool AllowSpinning, int? TorchThreads, JsonElement? BaselineSettings, IReadOnlyList<ThroughputRow> Rows, BenchMachine Machine);
