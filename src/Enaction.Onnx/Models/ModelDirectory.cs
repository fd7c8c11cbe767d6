using System.Text.Json;

namespace Enaction.Onnx.Models;

/// <summary>
/// The files of a model directory: the ONNX decoder, its configuration and, for onnxruntime-genai folders, the
/// input and output names that <c>genai_config.json</c> declares.
/// </summary>
public sealed record ModelDirectory
{
    /// <summary>ONNX file names tried in order when no <c>genai_config.json</c> names one.</summary>
    public static readonly IReadOnlyList<string> OnnxFileNames =
    [
        "model.onnx",
        "decoder_model_merged.onnx",
        "decoder_with_past_model.onnx",
        "decoder_model.onnx",
        "onnx/model.onnx",
        "onnx/decoder_model_merged.onnx",
    ];

    /// <summary>
    /// The int8-weight variant of the decoder (<see cref="ScoringPrecision.Int8"/>), beside <see cref="OnnxPath"/>;
    /// <c>tools/fixture-model/fuse.py DIR --int8</c> writes it.
    /// </summary>
    public const string Int8FileName = "model.int8.onnx";

    /// <summary>The directory.</summary>
    public required string Path { get; init; }
    /// <summary>The ONNX decoder file.</summary>
    public required string OnnxPath { get; init; }
    /// <summary>Configuration read from <c>config.json</c> or <c>genai_config.json</c>.</summary>
    public required ModelConfig Config { get; init; }
    /// <summary>Names declared by <c>genai_config.json</c>, or null for Optimum-style directories.</summary>
    public GenAiNames? GenAi { get; init; }

    /// <summary>
    /// The file ONNX Runtime loads for <paramref name="precision"/>: <see cref="OnnxPath"/> for float32, or
    /// <see cref="Int8FileName"/> in the directory, which must exist.
    /// </summary>
    public string SessionPath(ScoringPrecision precision)
    {
        if (precision == ScoringPrecision.Float32) return OnnxPath;
        var int8 = System.IO.Path.Combine(Path, Int8FileName);
        if (!File.Exists(int8))
            throw new ModelLoadException(Path, $"no {Int8FileName} for int8 scoring; write it with " +
                $"`/usr/bin/python3 tools/fixture-model/fuse.py {Path} --int8`, or score in float32");
        return int8;
    }

    /// <summary>Finds the model files in <paramref name="path"/>; a missing directory or file is a <see cref="ModelLoadException"/>.</summary>
    public static ModelDirectory Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
            throw new ModelLoadException(full, "is a file; expected a model directory holding config.json, the ONNX decoder and tokenizer files");
        if (!Directory.Exists(full))
            throw new ModelLoadException(full, "no such model directory");

        var genaiPath = System.IO.Path.Combine(full, "genai_config.json");
        if (File.Exists(genaiPath)) return OpenGenAi(full, genaiPath);

        var configPath = System.IO.Path.Combine(full, "config.json");
        if (!File.Exists(configPath))
            throw new ModelLoadException(full, "no config.json or genai_config.json; expected a Hugging Face-style model directory");
        var config = ModelConfig.ReadHuggingFace(configPath);

        foreach (var name in OnnxFileNames)
        {
            var candidate = System.IO.Path.Combine(full, name);
            if (File.Exists(candidate)) return new ModelDirectory { Path = full, OnnxPath = candidate, Config = config };
        }
        var others = Directory.GetFiles(full, "*.onnx");
        if (others.Length == 1) return new ModelDirectory { Path = full, OnnxPath = others[0], Config = config };
        throw new ModelLoadException(full, others.Length == 0
            ? $"no ONNX decoder; looked for {string.Join(", ", OnnxFileNames)}"
            : $"several ONNX files ({string.Join(", ", others.Select(System.IO.Path.GetFileName))}) and none of the standard names {string.Join(", ", OnnxFileNames)}");
    }

    private static ModelDirectory OpenGenAi(string dir, string genaiPath)
    {
        using var doc = Tokenization.ModelJson.Load(genaiPath);
        if (!doc.RootElement.TryGetProperty("model", out var model) || !model.TryGetProperty("decoder", out var decoder))
            throw new ModelLoadException(genaiPath, "expected a \"model\" object with a \"decoder\" section (onnxruntime-genai format)");
        var file = ModelConfig.Str(decoder, "filename") ?? "model.onnx";
        var onnx = System.IO.Path.Combine(dir, file);
        if (!File.Exists(onnx))
            throw new ModelLoadException(genaiPath, $"model.decoder.filename names \"{file}\", which does not exist in {dir}");

        decoder.TryGetProperty("inputs", out var inputs);
        decoder.TryGetProperty("outputs", out var outputs);
        string Name(JsonElement section, string key, string fallback) =>
            section.ValueKind == JsonValueKind.Object ? ModelConfig.Str(section, key) ?? fallback : fallback;
        var names = new GenAiNames(
            InputIds: Name(inputs, "input_ids", "input_ids"),
            AttentionMask: Name(inputs, "attention_mask", "attention_mask"),
            PositionIds: Name(inputs, "position_ids", "position_ids"),
            PastKey: Name(inputs, "past_key_names", "past_key_values.%d.key"),
            PastValue: Name(inputs, "past_value_names", "past_key_values.%d.value"),
            Logits: Name(outputs, "logits", "logits"),
            PresentKey: Name(outputs, "present_key_names", "present.%d.key"),
            PresentValue: Name(outputs, "present_value_names", "present.%d.value"));

        var hfConfig = System.IO.Path.Combine(dir, "config.json");
        var fromHf = File.Exists(hfConfig) ? ModelConfig.ReadHuggingFace(hfConfig) : new ModelConfig();
        var config = fromHf with
        {
            VocabSize = ModelConfig.Size(model, genaiPath, 1, "vocab_size") ?? fromHf.VocabSize,
            ContextLength = ModelConfig.Size(model, genaiPath, ModelConfig.MinContextLength, "context_length") ?? fromHf.ContextLength,
            Layers = ModelConfig.Size(decoder, genaiPath, 1, "num_hidden_layers") ?? fromHf.Layers,
            KeyValueHeads = ModelConfig.Size(decoder, genaiPath, 1, "num_key_value_heads") ?? fromHf.KeyValueHeads,
            HeadDim = ModelConfig.Size(decoder, genaiPath, 1, "head_size") ?? fromHf.HeadDim,
            EosTokenIds = ModelConfig.Ids(model, "eos_token_id") is { Count: > 0 } eos ? eos : fromHf.EosTokenIds,
            BosTokenId = ModelConfig.Int(model, "bos_token_id") ?? fromHf.BosTokenId,
            ModelType = ModelConfig.Str(model, "type") ?? fromHf.ModelType,
        };
        return new ModelDirectory { Path = dir, OnnxPath = onnx, Config = config, GenAi = names };
    }
}

/// <summary>Input and output names from an onnxruntime-genai <c>genai_config.json</c>; per-layer names contain <c>%d</c>.</summary>
public sealed record GenAiNames(
    string InputIds,
    string AttentionMask,
    string PositionIds,
    string PastKey,
    string PastValue,
    string Logits,
    string PresentKey,
    string PresentValue);
