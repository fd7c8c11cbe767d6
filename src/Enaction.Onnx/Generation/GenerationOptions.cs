using System.Globalization;
using System.Text.Json;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;

namespace Enaction.Onnx.Generation;

/// <summary>How to sample a response.</summary>
public sealed record GenerationOptions
{
    /// <summary>Softmax temperature; 0 picks the most likely token every time. Default 1.</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this. Default 1 (all).</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>
    /// The nucleus this sampler draws from, as the off-policy detector reads it (<c>ScoredTranscript.SamplingTopP</c>):
    /// its top-p at a temperature of at most 1 (a lower temperature only shrinks the nucleus), 0 when greedy, 1 (any
    /// token) above temperature 1. Rounded to 6 decimals: the sampler keeps float32, and 0.9f is 0.89999998 as a double.
    /// </summary>
    public double Nucleus => Enaction.Scoring.SamplerNucleus.Of(Temperature, TopP) ?? 1;

    /// <summary>Seed for reproducible samples; null draws a fresh one.</summary>
    public int? Seed { get; init; }
    /// <summary>Most tokens to generate. Default 256.</summary>
    public int MaxTokens { get; init; } = 256;
    /// <summary>Extra stop token ids; the tokenizer's end-of-sequence tokens always stop.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Stop strings; generation ends when the text ends with one (it is not included).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// The sampler the model ships with, as Hugging Face applies it: <c>temperature</c> and <c>top_p</c> from the
    /// directory's <c>generation_config.json</c> (<c>"do_sample": false</c> is greedy), else the defaults above. A
    /// value out of range is a <see cref="ModelLoadException"/> naming the file.
    /// </summary>
    public static GenerationOptions ForModel(ModelDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = System.IO.Path.Combine(directory.Path, "generation_config.json");
        using var doc = ModelJson.TryLoad(path);
        var options = new GenerationOptions();
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) return options;
        var root = doc.RootElement;
        if (root.TryGetProperty("do_sample", out var sample) && sample.ValueKind == JsonValueKind.False)
            return options with { Temperature = 0f };
        if (root.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number)
            options = options with { Temperature = t.GetSingle() };
        if (root.TryGetProperty("top_p", out var p) && p.ValueKind == JsonValueKind.Number)
            options = options with { TopP = p.GetSingle() };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ModelLoadException(path, string.Create(CultureInfo.InvariantCulture, $"{e.ParamName} {e.ActualValue} is out of range: {e.Message.Split(" (Parameter")[0]}"));
        }
        return options;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or a positive number.");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (MaxTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1.");
    }
}
