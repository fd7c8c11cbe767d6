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
    /// <summary>
    /// Scores a short transcript at least 100 times and for at least three seconds, pausing between scorings so the
    /// background compiler's delay can elapse. Measured (docs/performance.md, "Tiered compilation"): the statistics'
    /// vector kernels reach tier-1 code only after several thousand calls and about half a second of wall time; 60
    /// back-to-back scorings left the first timed 512-token runs 10-25 ms slower than the rest.
    /// </summary>
    public static async Task RunAsync(CausalLanguageModel model, SyntheticText text, CancellationToken cancellationToken)
    {
        var transcript = text.SingleMessage(48);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < 100 || System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(3); i++)
        {
            using (var session = new OnnxScoringSession(model))
                await session.ScoreAsync(transcript, cancellationToken);
            await Task.Delay(5, cancellationToken);
        }
        await Task.Delay(300, cancellationToken);
    }
}
