using Enaction.Bench.Benchmarks;
using Enaction.Onnx.Models;

namespace Enaction.Benchmarks;

/// <summary>Finds the models the benchmarks run on: the bundled models/tiny-chat, or ENACTION_BENCH_MODEL.</summary>
public static class BenchmarkModels
{
    /// <summary>The model directory to benchmark.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("ENACTION_BENCH_MODEL") is { Length: > 0 } path ? path
        : PythonBaseline.Find("models/tiny-chat")
          ?? throw new InvalidOperationException("models/tiny-chat not found above the working directory; set ENACTION_BENCH_MODEL");

    /// <summary>Loads the benchmark model with a context long enough for <paramref name="tokens"/> tokens.</summary>
    public static CausalLanguageModel Load(int tokens, int? maxLogitsPerRun = null)
    {
        var own = ModelDirectory.Open(Directory).Config.ContextLength ?? 2048;
        return new BenchModel { Directory = Directory, ContextLength = Math.Max(own, tokens + 64), MaxLogitsPerRun = maxLogitsPerRun }.Load();
    }
}
