using Enaction.Detection;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Monitor overhead on a local generation turn: the model generates a reply (seeded, so every repeat is the same
/// reply), then the monitor scores the transcript with that reply, in a session that has already scored the prompt
/// (what a monitor does turn after turn) and from scratch. Overhead = scoring time / generation time. Also the cost of
/// a turn the monitor judges by its signature (one it did not generate and the ledger does not attest): the same
/// incremental scoring plus the prompt contrast's second pass on the session and the session's restore, as
/// <c>ConversationMonitor</c> runs them.
/// </summary>
public sealed class OverheadBenchmark
{
    /// <summary>Options.</summary>
    /// <param name="PromptTokens">Tokens in the user prompt.</param>
    /// <param name="MaxTokens">Most tokens to generate.</param>
    /// <param name="Repeats">Timed repeats (after one warm-up).</param>
    /// <param name="Seed">Sampling seed.</param>
    public sealed record Options(int PromptTokens = 64, int MaxTokens = 128, int Repeats = 5, int Seed = 11);

    /// <summary>Runs the benchmark on <paramref name="model"/>.</summary>
    public static async Task<OverheadResult> RunAsync(CausalLanguageModel model, Options options, CancellationToken cancellationToken)
    {
        var machine = BenchMachine.Current();
        var text = SyntheticText.For(model);
        var prompt = text.SingleMessage(options.PromptTokens);
        await JitWarmup.RunAsync(model, text, cancellationToken);
        var generator = new LocalGenerator(model);
        // A small chat model often ends its reply after a few tokens; a 5-token reply says nothing about the cost of a
        // turn. Use the first seed (of 32 from options.Seed) whose reply is at least half of MaxTokens long, else the longest.
        var seed = options.Seed;
        var longest = -1;
        for (var candidate = options.Seed; candidate < options.Seed + 32; candidate++)
        {
            var probe = await generator.GenerateAsync(prompt, new GenerationOptions { MaxTokens = options.MaxTokens, Seed = candidate }, cancellationToken);
            if (probe.Tokens.Length > longest) (longest, seed) = (probe.Tokens.Length, candidate);
            if (longest >= options.MaxTokens / 2) break;
        }
        var sampling = new GenerationOptions { MaxTokens = options.MaxTokens, Seed = seed, Temperature = 1f };
        var generation = new List<double>();
        var incremental = new List<double>();
        var full = new List<double>();
        var judged = new List<double>();
        var engine = new List<double>();
        var encode = new List<double>();
        var generationCpu = new List<double>();
        var incrementalCpu = new List<double>();
        GenerationResult? reply = null;
        for (var i = 0; i <= options.Repeats; i++)
        {
            var cpu = CpuClock.NowMs();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            reply = await generator.GenerateAsync(prompt, sampling, cancellationToken);
            var generated = Samples.ElapsedMs(started);
            var generatedCpu = CpuClock.NowMs() - cpu;
            var answered = prompt.Append(TranscriptMessage.Assistant(reply.Text));

            using var session = new OnnxScoringSession(model);
            await session.ScoreAsync(prompt, cancellationToken);
            cpu = CpuClock.NowMs();
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            await session.ScoreAsync(answered, cancellationToken);
            var scoredIncrementally = Samples.ElapsedMs(started);
            var scoredIncrementallyCpu = CpuClock.NowMs() - cpu;
            var engineMs = session.LastRun.Elapsed.TotalMilliseconds;
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            model.Encoder.Encode(answered);
            var encodeMs = Samples.ElapsedMs(started);

            using var suspicious = new OnnxScoringSession(model);
            await suspicious.ScoreAsync(prompt, cancellationToken);
            var target = answered.Count - 1;
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            await PromptContrast.ScoreAsync(suspicious, answered, [target], cancellationToken);
            var scoredJudged = Samples.ElapsedMs(started);

            using var fresh = new OnnxScoringSession(model);
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            await fresh.ScoreAsync(answered, cancellationToken);
            var scoredFully = Samples.ElapsedMs(started);
            if (i == 0) continue;
            generation.Add(generated);
            incremental.Add(scoredIncrementally);
            full.Add(scoredFully);
            judged.Add(scoredJudged);
            engine.Add(engineMs);
            encode.Add(encodeMs);
            generationCpu.Add(generatedCpu);
            incrementalCpu.Add(scoredIncrementallyCpu);
        }
        var gen = Samples.Median(generation);
        var inc = Samples.Median(incremental);
        var all = Samples.Median(full);
        var withContrast = Samples.Median(judged);
        return new OverheadResult(model.Id, seed, reply!.PromptTokens, reply.Tokens.Length, reply.Stop.ToString(),
            Samples.Round(gen), Samples.Round(inc), Samples.Round(all),
            Samples.Round(inc / gen, 4), Samples.Round(all / gen, 4),
            Samples.Round(Samples.Median(engine)), Samples.Round(Samples.Median(encode)),
            Samples.Round(Samples.Median(generationCpu)), Samples.Round(Samples.Median(incrementalCpu)),
            Samples.Round(Samples.Median(incrementalCpu) / Samples.Median(generationCpu), 4),
            Samples.Round(withContrast), Samples.Round(withContrast / inc, 4), Samples.Round(withContrast / gen, 4), options.Repeats, machine);
    }
}

/// <summary>What <see cref="OverheadBenchmark"/> measured. Times are medians in milliseconds.</summary>
/// <param name="Model">Model id.</param>
/// <param name="Seed">Sampling seed used (the first giving a reply of at least half the token limit).</param>
/// <param name="PromptTokens">Tokens in the rendered prompt.</param>
/// <param name="GeneratedTokens">Tokens in the reply.</param>
/// <param name="Stop">Why generation stopped.</param>
/// <param name="GenerationMs">Generating the reply (prompt prefill plus one forward pass per token).</param>
/// <param name="IncrementalScoreMs">Scoring the reply in a session that had scored the prompt.</param>
/// <param name="FullScoreMs">Scoring prompt and reply from scratch.</param>
/// <param name="IncrementalFraction">IncrementalScoreMs / GenerationMs (target: under 0.10).</param>
/// <param name="FullFraction">FullScoreMs / GenerationMs.</param>
/// <param name="IncrementalEngineMs">Part of IncrementalScoreMs spent in forward passes and statistics (the rest renders, tokenises and builds the result).</param>
/// <param name="EncodeMs">Rendering and tokenising the whole transcript once (the session does it on every call).</param>
/// <param name="GenerationCpuMs">CPU time of the generation.</param>
/// <param name="IncrementalScoreCpuMs">CPU time of the incremental scoring.</param>
/// <param name="IncrementalCpuFraction">IncrementalScoreCpuMs / GenerationCpuMs.</param>
/// <param name="JudgedScoreMs">Scoring the reply incrementally as a turn judged by its signature: plus the prompt contrast's second pass and the session's restore.</param>
/// <param name="JudgedOverIncremental">JudgedScoreMs / IncrementalScoreMs: what the second pass costs.</param>
/// <param name="JudgedFraction">JudgedScoreMs / GenerationMs.</param>
/// <param name="Repeats">Timed repeats.</param>
/// <param name="Machine">Where it ran.</param>
public sealed record OverheadResult(string Model, int Seed, int PromptTokens, int GeneratedTokens, string Stop, double GenerationMs,
    double IncrementalScoreMs, double FullScoreMs, double IncrementalFraction, double FullFraction,
    double IncrementalEngineMs, double EncodeMs, double GenerationCpuMs, double IncrementalScoreCpuMs, double IncrementalCpuFraction,
    double JudgedScoreMs, double JudgedOverIncremental, double JudgedFraction, int Repeats, BenchMachine Machine);
