using System.Text.Json;

namespace Enaction.Onnx.Models;

/// <summary>
/// What the scorer needs from a model's <c>config.json</c> (Hugging Face) or <c>genai_config.json</c> (onnxruntime-genai).
/// Values the ONNX graph states itself (KV shapes, vocabulary) are taken from the graph and only checked against these.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The <c>model_type</c> (llama, phi3, gemma, ...), when stated.</summary>
    public string? ModelType { get; init; }
    /// <summary>Vocabulary size of the logits.</summary>
    public int? VocabSize { get; init; }
    /// <summary>Decoder layers.</summary>
    public int? Layers { get; init; }
    /// <summary>Key/value heads.</summary>
    public int? KeyValueHeads { get; init; }
    /// <summary>Size of one attention head.</summary>
    public int? HeadDim { get; init; }
    /// <summary>Longest context the model was trained for.</summary>
    public int? ContextLength { get; init; }
    /// <summary>End-of-sequence ids.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>Beginning-of-sequence id.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Reads a Hugging Face <c>config.json</c>.</summary>
    public static ModelConfig ReadHuggingFace(string path)
    {
        using var doc = Tokenization.ModelJson.Load(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException(path, "expected a JSON object with the model's hyper-parameters (vocab_size, num_hidden_layers, ...)");
        // Multimodal configs nest the language model's settings.
        if (root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object && !root.TryGetProperty("num_hidden_layers", out _))
            root = text;
        var heads = Size(root, path, 1, "num_attention_heads", "n_head");
        var hidden = Size(root, path, 1, "hidden_size", "n_embd", "d_model");
        return new ModelConfig
        {
            ModelType = Str(root, "model_type"),
            VocabSize = Size(root, path, 1, "vocab_size"),
            Layers = Size(root, path, 1, "num_hidden_layers", "n_layer", "num_layers"),
            KeyValueHeads = Size(root, path, 1, "num_key_value_heads") ?? heads,
            HeadDim = Size(root, path, 1, "head_dim") ?? (heads is > 0 && hidden is > 0 ? hidden / heads : null),
            ContextLength = Size(root, path, MinContextLength, "max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"),
            EosTokenIds = Ids(root, "eos_token_id"),
            BosTokenId = Int(root, "bos_token_id"),
        };
    }

    /// <summary>The shortest context a model may declare: one token to predict from and one to predict.</summary>
    internal const int MinContextLength = 2;

    /// <summary>
    /// A size (a count of layers, heads, tokens) from <paramref name="path"/>: a value below <paramref name="min"/>
    /// would only fail later, deep inside ONNX Runtime, so it is an error here naming the key.
    /// </summary>
    internal static int? Size(JsonElement e, string path, int min, params string[] names)
    {
        foreach (var name in names)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number) continue;
            if (v.TryGetInt32(out var i) && i >= min) return i;
            throw new ModelLoadException(path, $"\"{name}\" is {v.GetRawText()}; expected a whole number of at least {min}");
        }
        return null;
    }

    internal static int? Int(JsonElement e, params string[] names)
    {
        foreach (var name in names)
            if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i))
                return i;
        return null;
    }

    internal static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static IReadOnlyList<int> Ids(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return [];
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var one)) return [one];
        if (v.ValueKind != JsonValueKind.Array) return [];
        var list = new List<int>();
        foreach (var item in v.EnumerateArray())
            if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id)) list.Add(id);
        return list;
    }
}
