using System.CommandLine;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli.Commands;

/// <summary>Options several commands share, created per command.</summary>
internal static class CommonOptions
{
    /// <summary>
    /// Checks sampling settings given on the command line (<see cref="Onnx.Generation.GenerationOptions.Validate"/>),
    /// naming the option in a one-line error.
    /// </summary>
    public static void ValidateSampling(Onnx.Generation.GenerationOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            var option = e.ParamName switch
            {
                "TopP" => "top-p",
                "MaxTokens" => "max-tokens",
                null => "option",
                var name => name.ToLowerInvariant(),
            };
            throw new CliInputException($"--{option}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model directory (config.json, ONNX decoder, tokenizer files), e.g. models/tiny-chat",
        Required = true,
    };

    public static Option<FileInfo> Transcript() => new("--transcript", "-t")
    {
        Description = "Transcript JSON file: {\"messages\":[{\"role\":\"user\",\"content\":\"...\"}, ...]}",
        Required = true,
    };

    public static Option<string?> GeneratorModel() => new("--generator-model")
    {
        Description = "The model that generated assistant messages without a \"model\" field (e.g. gpt-4o-mini); without it they are taken as the scoring model's own. A generator other than the scoring model is scored as a surrogate",
    };

    /// <summary>The scoring sources for <paramref name="scorer"/> with <c>--generator-model</c>'s value, a blank value being a one-line error.</summary>
    public static Scoring.ScoringSourceResolver Sources(Scoring.IConversationScorer scorer, string? generatorModel) =>
        new(scorer, new Scoring.ScoringSourceOptions { DefaultGenerator = GeneratorModelValue(generatorModel) });

    /// <summary><c>--generator-model</c>'s value, checked before anything slow runs: a blank value is a one-line error.</summary>
    public static string? GeneratorModelValue(string? generatorModel) =>
        generatorModel is not null && string.IsNullOrWhiteSpace(generatorModel)
            ? throw new CliInputException("--generator-model is empty; expected the id of the model that generated the assistant messages, for example gpt-4o-mini")
            : generatorModel;

    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON instead of a table" };

    public static Option<ExecutionProvider> Provider() => new("--provider")
    {
        Description = "Execution provider: auto (CUDA if available, else CPU), cpu or cuda",
        DefaultValueFactory = _ => ExecutionProvider.Auto,
    };

    public static Option<string?> Template() => new("--template")
    {
        Description = "Chat template style when the model has none: chatml, llama3, phi3, gemma",
    };

    public static Option<ScoringPrecision> Precision() => new("--precision")
    {
        Description = "Scoring arithmetic: float32 (exact, the default) or int8 (8-bit weights from model.int8.onnx, written by tools/fixture-model/fuse.py DIR --int8)",
        DefaultValueFactory = _ => ScoringPrecision.Float32,
    };

    /// <summary>Where library warnings go during this invocation (standard error; set by <see cref="CliApplication.RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>).</summary>
    public static readonly AsyncLocal<TextWriter?> Diagnostics = new();

    public static Option<double?> SamplingTopP() => new("--sampling-top-p")
    {
        Description = "The top-p the monitored generator samples its turns with, at a temperature of at most 1 (0: greedy; 1: any token, " +
            "which turns the nucleus features off); default: the model's generation_config.json",
    };

    public static CausalLanguageModel LoadModel(string directory, ExecutionProvider provider, string? template,
        ScoringPrecision precision = ScoringPrecision.Float32, double? samplingTopP = null)
    {
        if (samplingTopP is { } p && !(p >= 0 && p <= 1))
            throw new CliInputException(FormattableString.Invariant($"--sampling-top-p must be from 0 (greedy) to 1 (any token), not {p}"));
        return CausalLanguageModel.Load(directory, new ModelOptions
        {
            ExecutionProvider = provider,
            ChatTemplate = template,
            Precision = precision,
            SamplingTopP = samplingTopP,
            Logger = Diagnostics.Value is { } error ? new Output.WarningLogger(error) : null,
        });
    }

    public static async Task<Transcript> LoadTranscriptAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such transcript file");
        var document = await TranscriptJson.LoadAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        return document.Transcript;
    }
}
