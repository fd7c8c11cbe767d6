using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Enaction.Onnx.Models;

/// <summary>The names, shapes and element types of a decoder's inputs and outputs, discovered from the ONNX session.</summary>
public sealed partial class DecoderSignature
{
    private DecoderSignature() { }

    /// <summary>Token ids input (int64 [batch, sequence]).</summary>
    public required string InputIds { get; init; }
    /// <summary>Attention mask input (int64 [batch, past + sequence]), if the graph has one.</summary>
    public string? AttentionMask { get; init; }
    /// <summary>Position ids input (int64 [batch, sequence]), if the graph has one.</summary>
    public string? PositionIds { get; init; }
    /// <summary>The bool input of Optimum's legacy merged decoder that selects the with-past branch.</summary>
    public string? UseCacheBranch { get; init; }
    /// <summary>Logits output (float or float16 [batch, sequence, vocabulary]).</summary>
    public required string Logits { get; init; }
    /// <summary>Element type of the logits.</summary>
    public required TensorElementType LogitsType { get; init; }
    /// <summary>Per-layer past and present names; empty for exports without past inputs.</summary>
    public required IReadOnlyList<LayerCacheNames> Layers { get; init; }
    /// <summary>Element type of the KV cache (float or float16).</summary>
    public TensorElementType CacheType { get; init; }
    /// <summary>Key/value heads of the cache.</summary>
    public int KeyValueHeads { get; init; }
    /// <summary>Head size of the cache.</summary>
    public int HeadDim { get; init; }
    /// <summary>Size of the logits' last axis.</summary>
    public required int VocabSize { get; init; }

    /// <summary>True when the graph takes past key/values, so appended tokens cost only themselves.</summary>
    public bool HasCache => Layers.Count > 0;

    /// <summary>The layout in words, for diagnostics: "optimum decoder with past (4 layers, float32 KV)" and so on.</summary>
    public string Describe() =>
        (HasCache ? UseCacheBranch is null ? "decoder with past" : "merged decoder (use_cache_branch)" : "decoder without past")
        + (HasCache ? string.Create(CultureInfo.InvariantCulture, $" ({Layers.Count} layers, {KeyValueHeads} KV heads x {HeadDim}, {CacheType} KV)") : "")
        + string.Create(CultureInfo.InvariantCulture, $", vocabulary {VocabSize}");

    /// <summary>Reads the signature of <paramref name="session"/>; a graph that is not a causal decoder is a <see cref="ModelLoadException"/>.</summary>
    public static DecoderSignature Discover(InferenceSession session, ModelDirectory directory)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var file = directory.OnnxPath;
        var names = directory.GenAi;

        var inputIds = names?.InputIds ?? "input_ids";
        var logits = names?.Logits ?? "logits";
        if (!inputs.TryGetValue(inputIds, out var idsMeta) || !outputs.TryGetValue(logits, out var logitsMeta))
            throw new ModelLoadException(file,
                $"not a causal LM decoder: expected an int64 input \"{inputIds}\" and a float output \"{logits}\"; " +
                $"found inputs [{string.Join(", ", inputs.Keys)}] and outputs [{string.Join(", ", outputs.Keys)}]");
        if (idsMeta.ElementDataType != TensorElementType.Int64 && idsMeta.ElementDataType != TensorElementType.Int32)
            throw new ModelLoadException(file, $"input \"{inputIds}\" is {idsMeta.ElementDataType}; expected int64 token ids");
        if (logitsMeta.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16) || logitsMeta.Dimensions.Length != 3)
            throw new ModelLoadException(file, $"output \"{logits}\" is {logitsMeta.ElementDataType} with {logitsMeta.Dimensions.Length} axes; expected float or float16 [batch, sequence, vocabulary]");

        var layers = names is null ? DiscoverOptimumLayers(file, inputs, outputs) : DiscoverGenAiLayers(file, inputs, outputs, names);
        var mask = names?.AttentionMask ?? "attention_mask";
        var positions = names?.PositionIds ?? "position_ids";

        var known = new HashSet<string>(StringComparer.Ordinal) { inputIds, mask, positions, "use_cache_branch" };
        foreach (var l in layers) { known.Add(l.PastKey); known.Add(l.PastValue); }
        var unknown = inputs.Keys.Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ModelLoadException(file, $"the decoder has inputs the scorer cannot feed: [{string.Join(", ", unknown)}]; expected only input_ids, attention_mask, position_ids, past key/values and use_cache_branch");

        var config = directory.Config;
        var vocab = (int)logitsMeta.Dimensions[2];
        if (vocab <= 0) vocab = config.VocabSize ?? throw new ModelLoadException(file, "the logits' vocabulary axis is dynamic and config.json has no vocab_size");

        TensorElementType cacheType = TensorElementType.Float;
        int kvHeads = 0, headDim = 0;
        if (layers.Count > 0)
        {
            var past = inputs[layers[0].PastKey];
            cacheType = past.ElementDataType;
            if (cacheType is not (TensorElementType.Float or TensorElementType.Float16))
                throw new ModelLoadException(file, $"past key/values are {cacheType}; expected float32 or float16");
            if (past.Dimensions.Length != 4)
                throw new ModelLoadException(file, $"past input \"{layers[0].PastKey}\" has {past.Dimensions.Length} axes; expected [batch, kv_heads, past_sequence, head_dim]");
            kvHeads = past.Dimensions[1] > 0 ? past.Dimensions[1] : config.KeyValueHeads ?? 0;
            headDim = past.Dimensions[3] > 0 ? past.Dimensions[3] : config.HeadDim ?? 0;
            if (kvHeads <= 0 || headDim <= 0)
                throw new ModelLoadException(file, "the KV cache's head count or head size is dynamic and config.json has neither num_key_value_heads nor head_dim");
        }

        return new DecoderSignature
        {
            InputIds = inputIds,
            AttentionMask = inputs.ContainsKey(mask) ? mask : null,
            PositionIds = inputs.ContainsKey(positions) ? positions : null,
            UseCacheBranch = inputs.ContainsKey("use_cache_branch") ? "use_cache_branch" : null,
            Logits = logits,
            LogitsType = logitsMeta.ElementDataType,
            Layers = layers,
            CacheType = cacheType,
            KeyValueHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
        };
    }

    private static List<LayerCacheNames> DiscoverOptimumLayers(string file, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        var layers = new List<LayerCacheNames>();
        var indices = inputs.Keys.Select(k => PastKeyPattern().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order().ToList();
        for (var i = 0; i < indices.Count; i++)
        {
            if (indices[i] != i) break;
            var names = new LayerCacheNames($"past_key_values.{i}.key", $"past_key_values.{i}.value", $"present.{i}.key", $"present.{i}.value");
            CheckLayer(file, inputs, outputs, names);
            layers.Add(names);
        }
        return layers;
    }

    private static List<LayerCacheNames> DiscoverGenAiLayers(string file, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs, GenAiNames names)
    {
        var layers = new List<LayerCacheNames>();
        for (var i = 0; ; i++)
        {
            var layer = new LayerCacheNames(Fill(names.PastKey, i), Fill(names.PastValue, i), Fill(names.PresentKey, i), Fill(names.PresentValue, i));
            if (!inputs.ContainsKey(layer.PastKey)) break;
            CheckLayer(file, inputs, outputs, layer);
            layers.Add(layer);
        }
        return layers;
    }

    private static string Fill(string pattern, int layer) => pattern.Replace("%d", layer.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static void CheckLayer(string file, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs, LayerCacheNames names)
    {
        foreach (var name in new[] { names.PastKey, names.PastValue })
            if (!inputs.ContainsKey(name)) throw new ModelLoadException(file, $"has \"{names.PastKey}\" but no input \"{name}\"; expected a key and a value input per layer");
        foreach (var name in new[] { names.PresentKey, names.PresentValue })
            if (!outputs.ContainsKey(name)) throw new ModelLoadException(file, $"has input \"{names.PastKey}\" but no output \"{name}\"; expected present key/value outputs for every past input");
    }

    [GeneratedRegex(@"^past_key_values\.(\d+)\.key$")]
    private static partial Regex PastKeyPattern();
}

/// <summary>The four cache tensors' names for one decoder layer.</summary>
public sealed record LayerCacheNames(string PastKey, string PastValue, string PresentKey, string PresentValue);
