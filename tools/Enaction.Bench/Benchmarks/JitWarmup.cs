using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Brings the scorer's managed hot paths to fully optimised code before anything is timed. With .NET's default
/// tiered compilation the per-token loops (logit statistics, result building) start as quick-JIT code and are
/// recompiled after about 30 calls; the first half-dozen 512-token scorings of the bundled model take 3x longer
/// (docs/performance.md, "Tiered compilation"). A benchmark that warmed up once would time the JIT, not the scorer.
/// </summary>
public static class JitWarmup
{
    /// <summary>Scores a short transcript 60 times, then gives the background compiler a moment to install tier-1 code.</summary>
    public static async Task RunAsync(CausalLanguageModel model, SyntheticText text, CancellationToken cancellationToken)
    {
        var transcript = text.SingleMessage(48);
        for (var i = 0; i < 60; i++)
        {
            using var session = new OnnxScoringSession(model);
            await session.ScoreAsync(transcript, cancellationToken);
        }
        await Task.Delay(300, cancellationToken);
    }
}
