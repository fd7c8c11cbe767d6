using Enaction.Detection;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// What <c>enaction detect</c> costs as a transcript grows: the whole detection (scoring, the second scoring of every
/// judged turn without its request, every detector) over transcripts of increasing message counts, reported per
/// rendered token. Linear cost means the same per-token figure at every length; the smallest length is the baseline,
/// measured in the same run. As a reference, the smallest transcript is also judged the old way (each turn's second
/// scoring from scratch), which is what made the cost quadratic.
/// </summary>
public sealed class DetectScalingBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Messages">Transcript lengths in messages (a system message, then user and assistant turns alternating).</param>
    /// <param name="Repeats">Timed runs per length; figures are medians.</param>
    /// <param name="FromScratchReference">Also judge the smallest transcript with every second scoring from scratch.</param>
    public sealed record Options(IReadOnlyList<int> Messages, int Repeats = 3, bool FromScratchReference = true);

    /// <summary>Runs the benchmark on <paramref name="model"/>.</summary>
    public static async Task<DetectScalingResult> RunAsync(CausalLanguageModel model, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        using var scorer = new OnnxConversationScorer(model);
        var detectors = DetectorSet.Default();
        var lengths = options.Messages.Order().ToArray();
        var transcripts = lengths.Select(n => Conversation(text, n)).ToArray();

        await DetectAsync(scorer, detectors, transcripts[0], cancellationToken); // warm-up
        var rows = new List<DetectScalingRow>();
        for (var i = 0; i < lengths.Length; i++)
        {
            var runs = new List<Run>();
            for (var r = 0; r < options.Repeats; r++) runs.Add(await DetectAsync(scorer, detectors, transcripts[i], cancellationToken));
            var first = runs[0];
            var wall = Samples.Median(runs.Select(x => x.WallMs));
            var cpu = Samples.Median(runs.Select(x => x.CpuMs));
            rows.Add(new DetectScalingRow(
                lengths[i], first.Tokens, first.Judged, first.Computed, Samples.Round((double)first.Computed / first.Tokens, 3),
                Samples.Round(wall), Samples.Round(cpu),
                Samples.Round(wall * 1000 / first.Tokens), Samples.Round(cpu * 1000 / first.Tokens),
                Samples.Round(Samples.Median(runs.Select(x => x.DetectorsMs))),
                Samples.Round((double)first.Allocated / first.Tokens, 0)));
        }

        DetectScalingReference? reference = null;
        if (options.FromScratchReference)
        {
            var transcript = transcripts[0];
            await FromScratchAsync(scorer, transcript, cancellationToken); // warm-up of the reference's own path
            var times = new List<(double Wall, double Cpu, long Computed)>();
            for (var r = 0; r < options.Repeats; r++) times.Add(await FromScratchAsync(scorer, transcript, cancellationToken));
            var wall = Samples.Median(times.Select(t => t.Wall));
            reference = new DetectScalingReference(lengths[0], times[0].Computed, Samples.Round(wall), Samples.Round(Samples.Median(times.Select(t => t.Cpu))),
                Samples.Round(wall / rows[0].WallMs, 2));
        }

        var small = rows[0];
        var large = rows[^1];
        return new DetectScalingResult(
            model.Id, model.ContextLength, options.Repeats, rows,
            Samples.Round(large.WallUsPerToken / small.WallUsPerToken, 3),
            Samples.Round(large.CpuUsPerToken / small.CpuUsPerToken, 3),
            Samples.Round(large.ComputedPerToken / small.ComputedPerToken, 3),
            reference, machine);
    }

    /// <summary>A system message, then user and assistant turns of 6 to 24 filler words, <paramref name="messages"/> in all.</summary>
    private static Transcript Conversation(SyntheticText text, int messages)
    {
        // One seed for every length, so a shorter transcript is the start of a longer one.
        var random = new Random(11);
        var list = new List<TranscriptMessage>(messages) { TranscriptMessage.System("You are a helpful assistant.") };
        for (var m = 1; m < messages; m++)
        {
            var words = text.Words(random.Next(6, 25), seed: m);
            list.Add(m % 2 == 1 ? TranscriptMessage.User(words) : TranscriptMessage.Assistant(words));
        }
        return new Transcript(list);
    }

    private static async Task<Run> DetectAsync(OnnxConversationScorer scorer, DetectorSet detectors, Transcript transcript, CancellationToken cancellationToken)
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var cpu = CpuClock.NowMs();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var context = await DetectionContext.ScoreAsync(scorer, transcript, cancellationToken: cancellationToken);
        var scored = System.Diagnostics.Stopwatch.GetTimestamp();
        detectors.Detect(context);
        var detectorsMs = Samples.ElapsedMs(scored);
        var wall = Samples.ElapsedMs(started);
        return new Run(context.Scores.Tokens.Length, context.Contrasts.Count,
            (long)context.Statistics.ComputedTokens + context.ContrastStatistics.ComputedTokens, wall, CpuClock.NowMs() - cpu, detectorsMs,
            GC.GetTotalAllocatedBytes() - allocated);
    }

    /// <summary>The old way: the transcript and each judged turn's ablated transcript scored from scratch.</summary>
    private static async Task<(double Wall, double Cpu, long Computed)> FromScratchAsync(OnnxConversationScorer scorer, Transcript transcript, CancellationToken cancellationToken)
    {
        var cpu = CpuClock.NowMs();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long computed = 0;
        using (var session = scorer.OpenSession())
        {
            await session.ScoreAsync(transcript, cancellationToken);
            computed += session.LastRun.ComputedTokens;
        }
        foreach (var m in PromptContrast.Judged(transcript))
        {
            if (PromptContrast.Ablate(transcript, m) is not { } ablated) continue;
            using var session = scorer.OpenSession();
            await session.ScoreAsync(ablated, cancellationToken);
            computed += session.LastRun.ComputedTokens;
        }
        return (Samples.ElapsedMs(started), CpuClock.NowMs() - cpu, computed);
    }

    private sealed record Run(int Tokens, int Judged, long Computed, double WallMs, double CpuMs, double DetectorsMs, long Allocated);
}

/// <summary>One transcript length of <see cref="DetectScalingBenchmark"/>. Times are medians.</summary>
/// <param name="Messages">Messages in the transcript.</param>
/// <param name="Tokens">Tokens it renders to.</param>
/// <param name="JudgedTurns">Assistant turns scored a second time without their request.</param>
/// <param name="ComputedTokens">Tokens run through the model for the transcript and every second scoring (window slides included).</param>
/// <param name="ComputedPerToken">ComputedTokens / Tokens: constant when the work is linear.</param>
/// <param name="WallMs">The whole detection, wall time.</param>
/// <param name="CpuMs">Its process CPU time.</param>
/// <param name="WallUsPerToken">WallMs per rendered token, in microseconds.</param>
/// <param name="CpuUsPerToken">CpuMs per rendered token, in microseconds.</param>
/// <param name="DetectorsMs">The detectors' share of WallMs.</param>
/// <param name="AllocatedBytesPerToken">Managed bytes allocated by the whole detection per rendered token (load-independent:
/// constant when no step copies the history per turn).</param>
public sealed record DetectScalingRow(
    int Messages, int Tokens, int JudgedTurns, long ComputedTokens, double ComputedPerToken,
    double WallMs, double CpuMs, double WallUsPerToken, double CpuUsPerToken, double DetectorsMs, double AllocatedBytesPerToken);

/// <summary>The smallest transcript judged with every second scoring from scratch (the quadratic way).</summary>
/// <param name="Messages">Messages in the transcript.</param>
/// <param name="ComputedTokens">Tokens run through the model.</param>
/// <param name="WallMs">Wall time (scoring only, no detectors).</param>
/// <param name="CpuMs">Process CPU time.</param>
/// <param name="OverForked">WallMs over the forked detection's whole WallMs at the same length.</param>
public sealed record DetectScalingReference(int Messages, long ComputedTokens, double WallMs, double CpuMs, double OverForked);

/// <summary>What <see cref="DetectScalingBenchmark"/> measured.</summary>
/// <param name="Model">Model id.</param>
/// <param name="ContextLength">Context the scorer ran with (longer transcripts slide the window, as <c>detect</c> does).</param>
/// <param name="Repeats">Timed runs per length.</param>
/// <param name="Rows">One row per length, shortest first.</param>
/// <param name="PerTokenRatio">Wall time per token at the longest length over that at the shortest (1.0 = linear; target ≤ 1.5).</param>
/// <param name="CpuPerTokenRatio">The same in CPU time (less sensitive to other load on the machine).</param>
/// <param name="ComputedPerTokenRatio">Computed tokens per token at the longest length over the shortest.</param>
/// <param name="FromScratch">The quadratic reference at the shortest length, or null when skipped.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record DetectScalingResult(
    string Model, int ContextLength, int Repeats, IReadOnlyList<DetectScalingRow> Rows,
    double PerTokenRatio, double CpuPerTokenRatio, double ComputedPerTokenRatio, DetectScalingReference? FromScratch, BenchMachine Machine);
