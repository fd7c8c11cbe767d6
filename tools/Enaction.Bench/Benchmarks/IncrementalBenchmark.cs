using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Per-turn scoring latency of a growing agent conversation: one session reusing the KV cache of the unchanged
/// prefix (what the monitor does) against a fresh session rescoring the whole transcript (the baseline), both in
/// the same run. Every turn adds the same number of tokens, so turn 1 and turn N compare like with like.
/// </summary>
public sealed class IncrementalBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="Turns">Conversation turns (user message + assistant reply).</param>
    /// <param name="TokensPerTurn">Tokens each turn adds.</param>
    /// <param name="Repeats">Times the whole conversation is replayed; each turn's figure is the median.</param>
    public sealed record Options(int Turns = 40, int TokensPerTurn = 48, int Repeats = 5);

    /// <summary>Runs the benchmark on <paramref name="model"/>.</summary>
    public static async Task<IncrementalResult> RunAsync(CausalLanguageModel model, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        var conversation = text.Conversation(options.Turns, options.TokensPerTurn);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        var turns = options.Turns;
        var incremental = new double[options.Repeats][];
        var engine = new double[options.Repeats][];
        var full = new double[options.Repeats][];
        var encode = new double[options.Repeats][];
        var incrementalCpu = new double[options.Repeats][];
        var fullCpu = new double[options.Repeats][];
        // Full rescoring costs the sum of every transcript length; measuring it at every tenth turn (and the first
        // and last) keeps the run short on large models while still showing how it grows.
        var checkpoints = Enumerable.Range(0, turns).Where(t => t == 0 || t == turns - 1 || (t + 1) % 10 == 0).ToArray();

        // Warm-up: JIT, ONNX Runtime's first-run allocations and the token-text cache.
        await ReplayAsync(model, conversation, new double[turns], new double[turns], new double[turns], cancellationToken);
        for (var r = 0; r < options.Repeats; r++)
        {
            incremental[r] = new double[turns];
            engine[r] = new double[turns];
            full[r] = new double[turns];
            encode[r] = new double[turns];
            incrementalCpu[r] = new double[turns];
            fullCpu[r] = new double[turns];
            await ReplayAsync(model, conversation, incremental[r], engine[r], incrementalCpu[r], cancellationToken);
            foreach (var t in checkpoints)
            {
                using var fresh = new OnnxScoringSession(model);
                var cpu = CpuClock.NowMs();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await fresh.ScoreAsync(conversation.Turns[t], cancellationToken);
                full[r][t] = Samples.ElapsedMs(started);
                fullCpu[r][t] = CpuClock.NowMs() - cpu;
                // What a session does each turn: continue the previous turn's encoding (render and tokenise the new turn).
                var previous = t == 0 ? null : model.Encoder.Encode(conversation.Turns[t - 1]);
                started = System.Diagnostics.Stopwatch.GetTimestamp();
                model.Encoder.Encode(conversation.Turns[t], previous);
                encode[r][t] = Samples.ElapsedMs(started);
            }
        }

        double[] Median(double[][] runs) => [.. Enumerable.Range(0, turns).Select(t => Samples.Median(runs.Select(run => run[t])))];
        var inc = Median(incremental);
        var eng = Median(engine);
        var fullMedian = Median(full);
        var enc = Median(encode);
        var incCpu = Median(incrementalCpu);
        var fullCpuMedian = Median(fullCpu);
        var last = turns - 1;
        return new IncrementalResult(
            turns,
            Samples.Round(inc[last]),
            Samples.Round(fullMedian[last]),
            Samples.Round(fullMedian[last] / inc[last], 2),
            Samples.Round(inc[last] / inc[0], 3),
            Samples.Round(eng[last] / eng[0], 3),
            conversation.AddedTokens[0],
            conversation.AddedTokens[last],
            conversation.TotalTokens,
            model.ContextLength,
            options.Repeats,
            Samples.Round(enc[0]),
            Samples.Round(enc[last]),
            [.. inc.Select(v => Samples.Round(v))],
            [.. eng.Select(v => Samples.Round(v))],
            checkpoints.ToDictionary(t => t + 1, t => Samples.Round(fullMedian[t])),
            Samples.Round(incCpu[last]),
            Samples.Round(fullCpuMedian[last]),
            Samples.Round(fullCpuMedian[last] / incCpu[last], 2),
            Samples.Round(incCpu[last] / incCpu[0], 3),
            model.Id,
            machine);
    }

    private static async Task ReplayAsync(CausalLanguageModel model, SyntheticConversation conversation, double[] wall, double[] engine, double[] cpu,
        CancellationToken cancellationToken)
    {
        using var session = new OnnxScoringSession(model);
        for (var t = 0; t < conversation.Turns.Count; t++)
        {
            var cpuStarted = CpuClock.NowMs();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await session.ScoreAsync(conversation.Turns[t], cancellationToken);
            wall[t] = Samples.ElapsedMs(started);
            cpu[t] = CpuClock.NowMs() - cpuStarted;
            engine[t] = session.LastRun.Elapsed.TotalMilliseconds;
        }
    }
}

/// <summary>What <see cref="IncrementalBenchmark"/> measured. Times are medians over the repeats, in milliseconds.</summary>
/// <param name="Turns">Turns in the conversation.</param>
/// <param name="IncrementalMs">Scoring the last turn in a session that has scored the turns before it.</param>
/// <param name="FullMs">Scoring the whole conversation after the last turn in a fresh session.</param>
/// <param name="Ratio">FullMs / IncrementalMs.</param>
/// <param name="Growth">Last-turn incremental cost over first-turn cost (same number of new tokens).</param>
/// <param name="EngineGrowth">The same for the engine part only (forward passes and statistics, without rendering, tokenising and building the result).</param>
/// <param name="FirstTurnTokens">Tokens the first turn added.</param>
/// <param name="LastTurnTokens">Tokens the last turn added.</param>
/// <param name="TotalTokens">Tokens in the whole conversation.</param>
/// <param name="ContextLength">Context the scorer ran with; a conversation longer than it slides the window.</param>
/// <param name="Repeats">Replays of the conversation.</param>
/// <param name="EncodeFirstMs">Rendering and tokenising the transcript after turn 1.</param>
/// <param name="EncodeLastMs">Rendering and tokenising the last turn, continuing the encoding of the turn before (what the session does every turn).</param>
/// <param name="IncrementalPerTurnMs">Incremental cost of every turn.</param>
/// <param name="EnginePerTurnMs">Engine part of the incremental cost of every turn.</param>
/// <param name="FullMsByTurn">Full rescoring cost after turn 1, every tenth turn and the last.</param>
/// <param name="IncrementalCpuMs">CPU time of IncrementalMs (load-independent with one intra-op thread).</param>
/// <param name="FullCpuMs">CPU time of FullMs.</param>
/// <param name="CpuRatio">FullCpuMs / IncrementalCpuMs.</param>
/// <param name="CpuGrowth">Last-turn over first-turn incremental CPU time.</param>
/// <param name="Model">Model id.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record IncrementalResult(
    int Turns, double IncrementalMs, double FullMs, double Ratio, double Growth, double EngineGrowth,
    int FirstTurnTokens, int LastTurnTokens, int TotalTokens, int ContextLength, int Repeats,
    double EncodeFirstMs, double EncodeLastMs,
    double[] IncrementalPerTurnMs, double[] EnginePerTurnMs, Dictionary<int, double> FullMsByTurn,
    double IncrementalCpuMs, double FullCpuMs, double CpuRatio, double CpuGrowth, string Model, BenchMachine Machine);
