using Microsoft.ML.OnnxRuntime;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// ONNX Runtime's own sgemm rate on a model's linear-layer shapes: times MatMul-only graphs (one layer's seven
/// projections, and the LM head) that <c>pytorch_score.py --write-matmul-onnx</c> writes, with the same thread
/// count and spinning policy as the scorer. This is the rate the scorer's forward pass could reach if it did nothing but matrix products.
/// </summary>
public static class OrtMatmulRate
{
    /// <summary>What was measured.</summary>
    /// <param name="Gflops">Linear FLOPs of a forward pass over the measured time (wall).</param>
    /// <param name="GflopsPerCpuSecond">The same over CPU time.</param>
    /// <param name="LinearFlops">FLOPs of every linear layer of the model for the token count.</param>
    /// <param name="AttentionFlops">FLOPs of causal attention (QKᵀ and AV over the causal triangle).</param>
    public readonly record struct Result(double Gflops, double GflopsPerCpuSecond, double LinearFlops, double AttentionFlops);

    /// <summary>Writes the graphs for <paramref name="modelDirectory"/> at <paramref name="tokens"/> rows and times them.</summary>
    public static async Task<Result> MeasureAsync(PythonBaseline python, string modelDirectory, int tokens, int repeats, int intraOpThreads,
        bool allowSpinning, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "enaction-matmul-" + Guid.NewGuid().ToString("N"));
        try
        {
            var description = await python.RunAsync(
                ["--model", modelDirectory, "--tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "--write-matmul-onnx", directory],
                cancellationToken);
            var layers = description.GetProperty("layers").GetInt32();
            var layerFlops = description.GetProperty("layer_flops").GetDouble();
            var headFlops = description.GetProperty("head_flops").GetDouble();
            var (layerWall, layerCpu) = Time(Path.Combine(directory, "layer.onnx"), tokens, repeats, intraOpThreads, allowSpinning);
            var (headWall, headCpu) = Time(Path.Combine(directory, "head.onnx"), tokens, repeats, intraOpThreads, allowSpinning);
            var linear = layers * layerFlops + headFlops;
            return new Result(
                linear / ((layers * layerWall + headWall) / 1000) / 1e9,
                linear / ((layers * layerCpu + headCpu) / 1000) / 1e9,
                linear,
                description.GetProperty("attention_flops").GetDouble());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static (double WallMs, double CpuMs) Time(string file, int tokens, int repeats, int intraOpThreads, bool allowSpinning)
    {
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // The scorer's own thread settings, so the bound is the rate the scorer's MatMuls could reach.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        using var session = new InferenceSession(file, options);
        var random = new Random(0);
        var inputs = new List<OrtValue>();
        var names = new List<string>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            var width = meta.Dimensions[^1];
            var data = new float[tokens * width];
            for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5);
            inputs.Add(OrtValue.CreateTensorValueFromMemory(data, [tokens, width]));
            names.Add(name);
        }
        try
        {
            using var runOptions = new RunOptions();
            var outputs = session.OutputNames.ToArray();
            var wall = new List<double>();
            var cpu = new List<double>();
            for (var i = 0; i <= repeats; i++)
            {
                var cpuStart = CpuClock.NowMs();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                using (var results = session.Run(runOptions, names, inputs, outputs)) { }
                if (i == 0) continue;
                wall.Add(Samples.ElapsedMs(started));
                cpu.Add(CpuClock.NowMs() - cpuStart);
            }
            return (Samples.Median(wall), Samples.Median(cpu));
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }
}
