using System.CommandLine;
using System.Globalization;
using Enaction.Cli.Output;
using Enaction.Evaluation;
using Enaction.Files;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction dataset</c>: sample the model on prompts and write labelled own / off-policy transcripts as JSONL
/// (the input of <c>evaluate</c>; <c>calibrate</c> builds the same dataset in memory).
/// </summary>
internal static class DatasetCommand
{
    /// <summary>The options <c>dataset</c> and <c>calibrate</c> share.</summary>
    internal sealed class BuildOptions
    {
        public Option<FileInfo> Prompts { get; } = new("--prompts", "-p")
        {
            Description = "Prompt file, one JSON object a line: {\"prompt\":\"...\",\"family\":\"open-ended\",\"system\":\"...\",\"topic\":\"...\",\"answers\":[\"corpus answer\"]}",
        };
        public Option<string?> OtherModel { get; } = new("--other-model")
        {
            Description = "Another model directory whose samples are off-policy for --model (e.g. models/tiny-base)",
        };
        public Option<int> Seed { get; } = new("--seed") { Description = "Sampling seed (same seed, prompts and models: same dataset)", DefaultValueFactory = _ => 1 };
        public Option<int> Samples { get; } = new("--samples") { Description = "Own (on-policy) samples per prompt", DefaultValueFactory = _ => 1 };
        public Option<int> MaxTokens { get; } = new("--max-tokens") { Description = "Most tokens per sampled response", DefaultValueFactory = _ => 256 };
        public Option<int> Parallel { get; } = new("--parallel") { Description = "Prompts sampled and transcripts scored at once", DefaultValueFactory = _ => 1 };
        public Option<float?> Temperature { get; } = new("--temperature") { Description = "The monitored model's sampling temperature for its own samples and prefill continuations (default: its generation_config.json): the sampler you deploy" };
        public Option<float?> TopP { get; } = new("--top-p") { Description = "The monitored model's nucleus mass in (0, 1] (default: its generation_config.json)" };

        public void AddTo(Command command)
        {
            command.Add(Prompts);
            command.Add(OtherModel);
            command.Add(Seed);
            command.Add(Samples);
            command.Add(MaxTokens);
            command.Add(Parallel);
            command.Add(Temperature);
            command.Add(TopP);
        }

        /// <summary>
        /// The nucleus the monitored model's own turns are sampled from when --temperature or --top-p override its
        /// generation_config.json (so the scorer judges them against the sampler that wrote them); null: the model's own.
        /// </summary>
        public double? Nucleus(ParseResult parse, string modelDirectory)
        {
            var (temperature, topP) = (parse.GetValue(Temperature), parse.GetValue(TopP));
            if (temperature is null && topP is null) return null;
            var shipped = Onnx.Generation.GenerationOptions.ForModel(Onnx.Models.ModelDirectory.Open(modelDirectory));
            return (shipped with { Temperature = temperature ?? shipped.Temperature, TopP = topP ?? shipped.TopP }).Nucleus;
        }

        public OffPolicyDatasetOptions Read(ParseResult parse)
        {
            var options = new OffPolicyDatasetOptions
            {
                Seed = parse.GetValue(Seed),
                Samples = parse.GetValue(Samples),
                MaxTokens = parse.GetValue(MaxTokens),
                Parallelism = parse.GetValue(Parallel),
                Temperature = parse.GetValue(Temperature),
                TopP = parse.GetValue(TopP),
            };
            CommonOptions.ValidateSampling(new Onnx.Generation.GenerationOptions { Temperature = options.Temperature ?? 1f, TopP = options.TopP ?? 1f });
            if (options.Samples < 1) throw new CliInputException($"--samples must be at least 1 (got {options.Samples})");
            if (options.MaxTokens < 1) throw new CliInputException($"--max-tokens must be at least 1 (got {options.MaxTokens})");
            if (options.Parallelism < 1) throw new CliInputException($"--parallel must be at least 1 (got {options.Parallelism})");
            return options;
        }
    }

    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var build = new BuildOptions();
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the labelled transcripts (JSONL)", Required = true };
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var command = new Command("dataset", "Sample the model on prompts and write labelled own and off-policy transcripts (JSONL) for evaluate")
        {
            model, output, provider, template,
        };
        build.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = build.Read(parse);
            var outFile = parse.GetRequiredValue(output);
            EnsureWritable(outFile, "--out");
            var prompts = await LoadPromptsAsync(parse.GetValue(build.Prompts) ?? throw new CliInputException("--prompts FILE is required"), cancellationToken);
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template),
                samplingTopP: build.Nucleus(parse, parse.GetRequiredValue(model)));
            using var other = parse.GetValue(build.OtherModel) is { } otherDir ? CommonOptions.LoadModel(otherDir, parse.GetValue(provider), parse.GetValue(template)) : null;
            var examples = await BuildAsync(context, lm, other, prompts, options, cancellationToken);
            await LabelledTranscriptJsonl.SaveAsync(outFile.FullName, examples, cancellationToken);
            await context.Output.WriteLineAsync(Summary(examples, outFile.FullName));
            return 0;
        });
        return command;
    }

    internal static async Task<IReadOnlyList<CalibrationPrompt>> LoadPromptsAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such prompt file");
        var prompts = await CalibrationPromptJsonl.LoadAsync(file.FullName, cancellationToken);
        if (prompts.Count < 2) throw new CliInputException($"{file.FullName}: has {prompts.Count} prompt; at least two are needed (swaps and prefills borrow another prompt's answer)");
        return prompts;
    }

    /// <summary>
    /// Fails before any long work when <paramref name="file"/> cannot be written (<see cref="OutputFiles.EnsureWritable"/>:
    /// a missing folder, a folder given as the file, no permission), naming <paramref name="option"/>.
    /// </summary>
    internal static void EnsureWritable(FileInfo file, string option)
    {
        try
        {
            OutputFiles.EnsureWritable(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{option}: {e.Message}");
        }
    }

    /// <summary>Samples the dataset with a progress bar on standard error.</summary>
    internal static Task<IReadOnlyList<LabelledTranscript>> BuildAsync(CliContext context, CausalLanguageModel model, CausalLanguageModel? other,
        IReadOnlyList<CalibrationPrompt> prompts, OffPolicyDatasetOptions options, CancellationToken cancellationToken)
    {
        var builder = new OffPolicyDatasetBuilder(model, other, options);
        return ProgressDisplay.RunAsync(context.ErrorConsole, stage =>
            builder.BuildAsync(prompts, stage($"sampling {prompts.Count} prompts", builder.Steps(prompts)), cancellationToken));
    }

    internal static string Summary(IReadOnlyList<LabelledTranscript> examples, string path)
    {
        var counts = examples.GroupBy(e => e.Source).OrderBy(g => OffPolicySources.All.ToList().IndexOf(g.Key) is var i && i < 0 ? int.MaxValue : i)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
        return string.Create(CultureInfo.InvariantCulture, $"wrote {examples.Count} labelled transcripts ({string.Join(", ", counts)}) to {path}");
    }
}
