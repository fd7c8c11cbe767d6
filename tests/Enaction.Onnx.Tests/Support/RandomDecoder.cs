using System.Text;
using System.Text.Json;

namespace Enaction.Onnx.Tests.Support;

/// <summary>
/// Writes a model directory in the Hugging Face Optimum decoder-with-past layout with seeded random weights and a
/// vocabulary of any size: <c>model.onnx</c>, <c>config.json</c>, a tiktoken rank file and a ChatML
/// <c>tokenizer_config.json</c>. The model predicts from the current token and the running mean of its KV cache, so
/// what it outputs depends on the cache being carried correctly across runs; it is built for measuring the scorer,
/// not for language.
/// </summary>
internal static class RandomDecoder
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>Size of the single KV head.</summary>
    public const int HeadDim = 16;

    /// <summary>Writes the model into <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">Destination folder.</param>
    /// <param name="vocab">Logits and tokenizer size, special tokens included (ids vocab-2 and vocab-1).</param>
    /// <param name="hidden">Embedding width; the two vocab-sized matrices hold vocab × (hidden + 16) floats.</param>
    /// <param name="seed">Seed of the weights.</param>
    public static void Write(string directory, int vocab, int hidden, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocab, 256 + 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        Directory.CreateDirectory(directory);
        WriteOnnx(Path.Combine(directory, "model.onnx"), vocab, hidden, seed);
        WriteRankFile(Path.Combine(directory, "tokenizer.tiktoken"), vocab - 2);
        WriteJson(Path.Combine(directory, "config.json"), new Dictionary<string, object?>
        {
            ["model_type"] = "random-bigram",
            ["vocab_size"] = vocab,
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = 1,
            ["num_attention_heads"] = 1,
            ["num_key_value_heads"] = 1,
            ["head_dim"] = HeadDim,
            ["max_position_embeddings"] = 8192,
            ["eos_token_id"] = vocab - 1,
        });
        WriteJson(Path.Combine(directory, "tokenizer_config.json"), new Dictionary<string, object?>
        {
            ["tokenizer_class"] = "TiktokenTokenizer",
            ["bos_token"] = null,
            ["eos_token"] = ImEnd,
            ["added_tokens_decoder"] = new Dictionary<string, object>
            {
                [(vocab - 2).ToString(System.Globalization.CultureInfo.InvariantCulture)] = new { content = ImStart, special = true },
                [(vocab - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] = new { content = ImEnd, special = true },
            },
            ["chat_template"] = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        });
    }

    private static void WriteOnnx(string path, int vocab, int hidden, int seed)
    {
        var random = new Random(seed);
        var features = hidden + HeadDim;
        var graph = new OnnxModelWriter()
            .Input("input_ids", OnnxModelWriter.Int64, "batch_size", "sequence_length")
            .Input("attention_mask", OnnxModelWriter.Int64, "batch_size", "total_sequence_length")
            .Input("position_ids", OnnxModelWriter.Int64, "batch_size", "sequence_length")
            .Input("past_key_values.0.key", OnnxModelWriter.Float, "batch_size", 1L, "past_sequence_length", (long)HeadDim)
            .Input("past_key_values.0.value", OnnxModelWriter.Float, "batch_size", 1L, "past_sequence_length", (long)HeadDim)
            .Initializer("embedding", Uniform(random, (long)vocab * hidden, 1f), vocab, hidden)
            .Initializer("kv_projection", Uniform(random, hidden * HeadDim, 1f / MathF.Sqrt(hidden)), hidden, HeadDim)
            .Initializer("unembedding", Uniform(random, (long)features * vocab, 1f), features, vocab)
            .Initializer("axis_1", [1L], 1)
            .Initializer("axis_2", [2L], 1)
            .Initializer("scalar_axis_2", [2L])
            .Initializer("axis_last", [-1L], 1)
            .Initializer("to_end", [long.MaxValue], 1)
            .Initializer("one", [1f])
            // Token embedding [B, S, hidden] and its key/value row [B, 1, S, HeadDim], appended to the past.
            .Node("Gather", ["embedding", "input_ids"], ["hidden_states"])
            .Node("MatMul", ["hidden_states", "kv_projection"], ["kv_rows"])
            .Node("Unsqueeze", ["kv_rows", "axis_1"], ["kv_new"])
            .Node("Concat", ["past_key_values.0.key", "kv_new"], ["present.0.key"], ("axis", 2))
            .Node("Concat", ["past_key_values.0.value", "kv_new"], ["present.0.value"], ("axis", 2))
            // Causal context: the mean of the key rows up to each new token, cumsum[-S:] / (position + 1).
            .Node("CumSum", ["present.0.key", "scalar_axis_2"], ["key_sums"])
            .Node("Shape", ["input_ids"], ["new_count"], ("start", 1), ("end", 2))
            .Node("Neg", ["new_count"], ["new_start"])
            .Node("Slice", ["key_sums", "new_start", "to_end", "axis_2"], ["new_sums"])
            .Node("Squeeze", ["new_sums", "axis_1"], ["context_sums"])
            .Node("Cast", ["position_ids"], ["positions"], ("to", OnnxModelWriter.Float))
            .Node("Add", ["positions", "one"], ["counts"])
            .Node("Unsqueeze", ["counts", "axis_last"], ["counts_column"])
            .Node("Div", ["context_sums", "counts_column"], ["context"])
            // One MatMul writes the logits straight into the caller's buffer: no [S, vocab] intermediates.
            .Node("Concat", ["hidden_states", "context"], ["features"], ("axis", 2))
            .Node("MatMul", ["features", "unembedding"], ["logits"])
            .Output("logits", OnnxModelWriter.Float, "batch_size", "sequence_length", (long)vocab)
            .Output("present.0.key", OnnxModelWriter.Float, "batch_size", 1L, "total_sequence_length", (long)HeadDim)
            .Output("present.0.value", OnnxModelWriter.Float, "batch_size", 1L, "total_sequence_length", (long)HeadDim);
        graph.Save(path, "random_decoder");
    }

    private static float[] Uniform(Random random, long count, float scale)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++) values[i] = (random.NextSingle() * 2 - 1) * scale;
        return values;
    }

    /// <summary>
    /// <paramref name="count"/> ranks: the 256 single bytes, then every byte pair, then printable three-byte strings.
    /// Every pair being present makes ordinary text reach the three-byte tokens, about three characters a token.
    /// </summary>
    private static void WriteRankFile(string path, int count)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var rank = 0;
        var bytes = new byte[3];
        void Line(int length)
        {
            writer.Write(Convert.ToBase64String(bytes, 0, length));
            writer.Write(' ');
            writer.Write(rank++);
            writer.Write('\n');
        }
        for (var b = 0; b < 256 && rank < count; b++) { bytes[0] = (byte)b; Line(1); }
        for (var pair = 0; pair < 256 * 256 && rank < count; pair++) { bytes[0] = (byte)(pair >> 8); bytes[1] = (byte)pair; Line(2); }
        const int first = 0x20, printable = 0x7F - 0x20;
        for (var triple = 0; triple < printable * printable * printable && rank < count; triple++)
        {
            bytes[0] = (byte)(first + triple / (printable * printable));
            bytes[1] = (byte)(first + triple / printable % printable);
            bytes[2] = (byte)(first + triple % printable);
            Line(3);
        }
        if (rank < count) throw new ArgumentOutOfRangeException(nameof(count), count, "more tokens than this rank file layout can name");
    }

    private static void WriteJson(string path, object value) =>
        File.WriteAllText(path, JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
}
