using System.CommandLine;
using Enaction.Bench.Benchmarks;
using Enaction.Cli;
using Enaction.Cli.Commands;
using Enaction.Onnx.Models;

namespace Enaction.Bench;

/// <summary>
/// The harness's subcommands: the performance figures in docs/performance.md. Each runs its baseline and the
/// scorer in the same process run and reports medians, ratios, the date and the core count.
/// </summary>
internal static class BenchCommand
{
    private const string BundledModel = "models/tiny-chat";
    private const string LargeModels = "/tmp/enaction-large";

    public static IReadOnlyList<Command> Create(CliContext context) =>
    [
        Throughput(context), Incremental(context), Memory(context), Overhead(context), Concurrency(context), DetectScaling(context),
        Conformal(context),
    ];

    private static Command Throughput(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var tokens = new Option<int[]>("--tokens") { Description = "Transcript lengths in tokens", DefaultValueFactory = _ => [512, 2048], AllowMultipleArgumentsPerToken = true };
        var repeats = Repeats(5);
        var python = new Option<string>("--python") { Description = "Interpreter for the PyTorch reference", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--pytorch-script") { Description = $"The reference script (default: {PythonBaseline.ScriptPath} in the repository)" };
        var torchThreads = new Option<int>("--torch-threads") { Description = "torch.set_num_threads for the reference", DefaultValueFactory = _ => Environment.ProcessorCount };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Measure the C# scorer only" };
        var noMatmul = new Option<bool>("--no-matmul") { Description = "Skip the matrix-multiply rate" };
        var (context_, threads, provider, json, chunk) = (Context(), Threads(), CommonOptions.Provider(), CommonOptions.Json(), Chunk());
        var (precision, spinning) = (CommonOptions.Precision(), Spinning());
        var command = new Command("throughput", "Teacher-forced scoring tokens/s against the fair PyTorch baseline on the same weights (runs interleaved), and the matmul bound")
        {
            model, tokens, repeats, python, script, torchThreads, noBaseline, noMatmul, context_, threads, provider, json, chunk, precision, spinning,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var lengths = parse.GetValue(tokens) ?? [512, 2048];
            if (lengths.Length == 0 || lengths.Any(n => n < 2)) throw new CliInputException("--tokens must list lengths of at least 2 tokens");
            var directory = parse.GetRequiredValue(model);
            var load = Load(parse, directory, context_, threads, provider, lengths.Max() + 8L, chunk) with
            {
                Precision = parse.GetValue(precision), AllowSpinning = parse.GetValue(spinning),
            };
            using var lm = load.Load();
            // In int8 the float32 scorer is the reference for the per-token entropy error.
            using var exact = load.Precision == ScoringPrecision.Float32 ? null : load.Load(ScoringPrecision.Float32);
            var baseline = parse.GetValue(noBaseline) ? null
                : new PythonBaseline(parse.GetRequiredValue(python), parse.GetValue(script), parse.GetValue(torchThreads));
            var result = await ThroughputBenchmark.RunAsync(lm,
                new ThroughputBenchmark.Options(lengths, Positive(parse.GetValue(repeats), "--repeats"), baseline, !parse.GetValue(noMatmul),
                    load.TokensPerPass(lm.VocabSize), load.IntraOpThreads, exact, load.AllowSpinning ?? new ModelOptions().AllowSpinning),
                cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Incremental(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var turns = new Option<int>("--turns") { Description = "Conversation turns (user message + assistant reply)", DefaultValueFactory = _ => 40 };
        var perTurn = new Option<int>("--tokens-per-turn") { Description = "Tokens each turn adds", DefaultValueFactory = _ => 48 };
        var repeats = Repeats(5);
        var (context_, threads, provider, json, chunk) = (Context(), Threads(), CommonOptions.Provider(), CommonOptions.Json(), Chunk());
        var command = new Command("incremental", "Per-turn latency with KV-cache reuse against rescoring from scratch, and its growth with the turn number")
        {
            model, turns, perTurn, repeats, context_, threads, provider, json, chunk,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new IncrementalBenchmark.Options(Positive(parse.GetValue(turns), "--turns"),
                Positive(parse.GetValue(perTurn), "--tokens-per-turn"), Positive(parse.GetValue(repeats), "--repeats"));
            var load = Load(parse, parse.GetRequiredValue(model), context_, threads, provider, (long)options.Turns * options.TokensPerTurn + 64, chunk);
            using var lm = load.Load();
            var result = await IncrementalBenchmark.RunAsync(lm, options, cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Memory(CliContext context)
    {
        var model = ModelOption(Path.Combine(LargeModels, "vocab-150k"),
            "Model directory; the default is generated on first use by tools/fixture-model/make_large.py (vocabulary 150,000)");
        var tokens = new Option<int>("--tokens") { Description = "Tokens to score", DefaultValueFactory = _ => 4096 };
        var python = new Option<string>("--python") { Description = "Interpreter for the model generator", DefaultValueFactory = _ => "/usr/bin/python3" };
        var (context_, threads, provider, json, chunk) = (Context(), Threads(), CommonOptions.Provider(), CommonOptions.Json(), Chunk());
        var command = new Command("memory", "Peak working set and managed heap beyond the weights while scoring a long transcript with a large vocabulary")
        {
            model, tokens, python, context_, threads, provider, json, chunk,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetRequiredValue(model);
            if (!Directory.Exists(directory) && directory == Path.Combine(LargeModels, "vocab-150k"))
                await GenerateLargeModelAsync(context, parse.GetRequiredValue(python), "vocab150k", cancellationToken);
            var n = Positive(parse.GetValue(tokens), "--tokens");
            var load = Load(parse, directory, context_, threads, provider, n + 8L, chunk);
            var result = await MemoryBenchmark.RunAsync(load, new MemoryBenchmark.Options(n), cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Overhead(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Tokens in the prompt", DefaultValueFactory = _ => 64 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 128 };
        var repeats = Repeats(5);
        var (threads, provider, json) = (Threads(), CommonOptions.Provider(), CommonOptions.Json());
        var command = new Command("overhead", "Scoring time as a fraction of the time the model takes to generate the same reply")
        {
            model, promptTokens, maxTokens, repeats, threads, provider, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var load = new BenchModel { Directory = parse.GetRequiredValue(model), Provider = parse.GetValue(provider), IntraOpThreads = parse.GetValue(threads) };
            using var lm = load.Load();
            var result = await OverheadBenchmark.RunAsync(lm, new OverheadBenchmark.Options(
                Positive(parse.GetValue(promptTokens), "--prompt-tokens"), Positive(parse.GetValue(maxTokens), "--max-tokens"),
                Positive(parse.GetValue(repeats), "--repeats")), cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Concurrency(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var levels = new Option<int[]>("--conversations") { Description = "Conversations scored at once", DefaultValueFactory = _ => [1, 4, 16], AllowMultipleArgumentsPerToken = true };
        var turns = new Option<int>("--turns") { Description = "Turns per conversation", DefaultValueFactory = _ => 10 };
        var perTurn = new Option<int>("--tokens-per-turn") { Description = "Tokens each turn adds", DefaultValueFactory = _ => 48 };
        var (context_, threads, provider, json, chunk) = (Context(), Threads(), CommonOptions.Provider(), CommonOptions.Json(), Chunk());
        var command = new Command("concurrency", "Total tokens/s and p50/p95 turn latency with 1, 4 and 16 conversations at once on one model")
        {
            model, levels, turns, perTurn, context_, threads, provider, json, chunk,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var counts = parse.GetValue(levels) ?? [1, 4, 16];
            if (counts.Length == 0 || counts.Any(c => c < 1)) throw new CliInputException("--conversations must list positive counts");
            var options = new ConcurrencyBenchmark.Options(counts, Positive(parse.GetValue(turns), "--turns"), Positive(parse.GetValue(perTurn), "--tokens-per-turn"));
            var load = Load(parse, parse.GetRequiredValue(model), context_, threads, provider, (long)options.Turns * options.TokensPerTurn + 64, chunk);
            using var lm = load.Load();
            var result = await ConcurrencyBenchmark.RunAsync(lm, load.IntraOpThreads, options, cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command DetectScaling(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var messages = new Option<int[]>("--messages") { Description = "Transcript lengths in messages", DefaultValueFactory = _ => [100, 400, 1600], AllowMultipleArgumentsPerToken = true };
        var repeats = Repeats(3);
        var noReference = new Option<bool>("--no-reference") { Description = "Skip judging the shortest transcript the quadratic way (every second scoring from scratch)" };
        var contextOption = new Option<int?>("--context") { Description = "Context length to score with; by default the model's own (longer transcripts slide the window, as detect does)" };
        var (threads, provider, json) = (Threads(), CommonOptions.Provider(), CommonOptions.Json());
        var command = new Command("detect-scaling", "Cost per token of `detect` (scoring, second scorings of judged turns, detectors) at 100, 400 and 1,600 messages")
        {
            model, messages, repeats, noReference, contextOption, threads, provider, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var lengths = parse.GetValue(messages) ?? [100, 400, 1600];
            if (lengths.Length == 0 || lengths.Any(n => n < 3)) throw new CliInputException("--messages must list lengths of at least 3 messages");
            if (parse.GetValue(contextOption) is < 2) throw new CliInputException("--context must be at least 2 tokens");
            if (parse.GetValue(threads) < 0) throw new CliInputException("--intra-op-threads must be 0 (one per core) or a positive count");
            var load = new BenchModel
            {
                Directory = parse.GetRequiredValue(model), Provider = parse.GetValue(provider), IntraOpThreads = parse.GetValue(threads),
                ContextLength = parse.GetValue(contextOption),
            };
            using var lm = load.Load();
            var result = await DetectScalingBenchmark.RunAsync(lm,
                new DetectScalingBenchmark.Options(lengths, Positive(parse.GetValue(repeats), "--repeats"), !parse.GetValue(noReference)), cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Conformal(CliContext context)
    {
        var model = ModelOption(BundledModel);
        var calibration = new Option<FileInfo?>("--calibration", "-c") { Description = "The shipped calibration (default: calibration.json in the model folder; none there: the curvature)" };
        var prompts = new Option<FileInfo>("--prompts", "-p") { Description = "Prompt file whose topics the traffic asks about", DefaultValueFactory = _ => new FileInfo("tests/fixtures/quality/heldout.jsonl") };
        var fpr = new Option<double[]>("--fpr") { Description = "Target false-positive rates: the first is the monitor's, the rest are read from the same reservoir", DefaultValueFactory = _ => [0.05, 0.01], AllowMultipleArgumentsPerToken = true };
        var turns = new Option<int>("--calibration-turns") { Description = "Own turns run through the monitor", DefaultValueFactory = _ => 400 };
        var heldOut = new Option<int>("--heldout-turns") { Description = "Fresh own turns the realised rate is measured on", DefaultValueFactory = _ => 1000 };
        var shift = new Option<double>("--wrong-shift") { Description = "Added to the shipped threshold to make it deliberately wrong", DefaultValueFactory = _ => -5 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per answer", DefaultValueFactory = _ => 128 };
        var seed = new Option<int>("--seed") { Description = "Seed of the traffic, the sampler and the reservoir", DefaultValueFactory = _ => 1 };
        var parallel = new Option<int>("--parallel") { Description = "Held-out transcripts scored at once", DefaultValueFactory = _ => 2 };
        var (provider, json) = (CommonOptions.Provider(), CommonOptions.Json());
        var command = new Command("conformal", "Realised false-positive rate of the conformal threshold on fresh own turns, from a deliberately wrong shipped threshold")
        {
            model, calibration, prompts, fpr, turns, heldOut, shift, maxTokens, seed, parallel, provider, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var targets = parse.GetValue(fpr) ?? [0.05, 0.01];
            if (targets.Length == 0 || targets.Any(a => !(a > 0 && a <= 0.5))) throw new CliInputException("--fpr must list rates above 0 and at most 0.5");
            var promptFile = parse.GetRequiredValue(prompts);
            var loaded = await DatasetCommand.LoadPromptsAsync(promptFile, cancellationToken);
            var directory = parse.GetRequiredValue(model);
            using var lm = CommonOptions.LoadModel(directory, parse.GetValue(provider), null);
            var calibrationFile = parse.GetValue(calibration) ?? new FileInfo(Path.Combine(directory, "calibration.json"));
            Enaction.Detection.Calibration? shipped = null;
            if (parse.GetValue(calibration) is not null || calibrationFile.Exists)
            {
                shipped = DetectCommand.LoadCalibration(calibrationFile);
                DetectCommand.EnsureCalibrationFor(shipped, calibrationFile, lm, context.Error);
            }
            var options = new ConformalBenchmark.Options(loaded, targets, Positive(parse.GetValue(turns), "--calibration-turns"),
                Positive(parse.GetValue(heldOut), "--heldout-turns"), parse.GetValue(shift), Positive(parse.GetValue(maxTokens), "--max-tokens"),
                parse.GetValue(seed), Positive(parse.GetValue(parallel), "--parallel"));
            var progress = new Progress<string>(line => context.Error.WriteLine(line));
            var result = await ConformalBenchmark.RunAsync(lm, shipped, options, progress, cancellationToken);
            BenchReport.Write(context, result, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Option<string> ModelOption(string defaultDirectory, string? description = null) => new("--model", "-m")
    {
        Description = description ?? $"Model directory (default {defaultDirectory})",
        DefaultValueFactory = _ => defaultDirectory,
    };

    private static Option<int> Repeats(int defaultValue) => new("--repeats")
    {
        Description = "Timed repeats; figures are medians",
        DefaultValueFactory = _ => defaultValue,
    };

    private static Option<int?> Context() => new("--context")
    {
        Description = "Context length to score with; by default the model's own, raised to fit the benchmark's transcript so no window slides",
    };

    private static Option<int?> Chunk() => new("--chunk-tokens")
    {
        Description = "Most tokens per forward pass (sets ModelOptions.MaxLogitsPerRun to this times the vocabulary); by default the engine's 16 MB of logits",
    };

    private static Option<bool?> Spinning() => new("--allow-spinning")
    {
        Description = "ONNX Runtime intra-op workers spin between parallel sections (true) or sleep (false, the engine's default)",
    };

    private static Option<int> Threads() => new("--intra-op-threads")
    {
        Description = "ONNX Runtime intra-op threads; 0 = one per core",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>The longest transcript a benchmark builds (16 M tokens): past it the options are a typo, not a measurement.</summary>
    private const long MaxBenchmarkTokens = 1 << 24;

    private static BenchModel Load(ParseResult parse, string directory, Option<int?> context, Option<int> threads, Option<ExecutionProvider> provider, long needed,
        Option<int?>? chunk = null)
    {
        if (needed > MaxBenchmarkTokens)
            throw new CliInputException(FormattableString.Invariant($"the benchmark's transcript would be {needed:N0} tokens; expected at most {MaxBenchmarkTokens:N0} (lower --tokens, --turns or --tokens-per-turn)"));
        var contextLength = parse.GetValue(context);
        if (contextLength is < 2) throw new CliInputException($"--context must be at least 2 tokens, not {contextLength}");
        var config = ModelDirectory.Open(directory).Config;
        var own = config.ContextLength ?? 2048;
        int? maxLogits = null;
        if (chunk is not null && parse.GetValue(chunk) is { } tokens)
            maxLogits = checked(Positive(tokens, "--chunk-tokens") * (config.VocabSize ?? throw new CliInputException($"{directory}: config.json has no vocab_size for --chunk-tokens")));
        var threadCount = parse.GetValue(threads);
        if (threadCount < 0) throw new CliInputException("--intra-op-threads must be 0 (one per core) or a positive count");
        return new BenchModel
        {
            Directory = directory,
            Provider = parse.GetValue(provider),
            IntraOpThreads = threadCount,
            ContextLength = contextLength ?? (int)Math.Max(own, needed),
            MaxLogitsPerRun = maxLogits,
            MaxTokensPerRun = chunk is null ? null : parse.GetValue(chunk),
        };
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new CliInputException($"{option} must be a positive number, not {value}");

    private static async Task GenerateLargeModelAsync(CliContext context, string python, string which, CancellationToken cancellationToken)
    {
        var script = PythonBaseline.Find("tools/fixture-model/make_large.py")
            ?? throw new CliInputException("the default model is missing and tools/fixture-model/make_large.py was not found; pass --model");
        await context.Error.WriteLineAsync($"generating {which} under {LargeModels} with {script} ...");
        var start = new System.Diagnostics.ProcessStartInfo(python) { UseShellExecute = false };
        foreach (var a in new[] { script, LargeModels, "--which", which }) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start) ?? throw new CliInputException($"cannot start {python}");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new CliInputException($"{script} failed with exit code {process.ExitCode}");
    }
}
