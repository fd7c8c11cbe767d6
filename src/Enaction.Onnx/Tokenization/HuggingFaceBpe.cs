using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Onnx.Models;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Builds a byte-level BPE <see cref="TextTokenizer"/> from a Hugging Face <c>tokenizer.json</c> or from
/// <c>vocab.json</c> + <c>merges.txt</c>. Microsoft.ML.Tokenizers 2.0.1 has no loader for these files, so the vocabulary,
/// merges, added tokens and split regex are read here and handed to <see cref="BpeTokenizer.Create(BpeOptions)"/>.
/// </summary>
internal static class HuggingFaceBpe
{
    /// <summary>Key in <see cref="Exception.Data"/> marking a tokenizer.json that is BPE but not byte-level.</summary>
    public const string NotByteLevel = "Enaction.NotByteLevel";

    /// <summary>GPT-2's split pattern, used by <c>ByteLevel</c> with <c>use_regex: true</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's split pattern (its slow tokenizer hard-codes it; tokenizer.json repeats it in a Split).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(10);

    public static TextTokenizer LoadTokenizerJson(string path, TokenizerConfig config)
    {
        using var doc = ModelJson.Load(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException(path, "expected a Hugging Face tokenizer.json object with a \"model\" object");
        var type = ModelJson.String(model, "type");
        if (type is null && model.TryGetProperty("merges", out _)) type = "BPE"; // very old files omit the type
        if (type != "BPE")
            throw new ModelLoadException(path, $"model.type is \"{type}\"; only byte-level \"BPE\" tokenizer.json files are supported (use tokenizer.model for SentencePiece models)");

        root.TryGetProperty("pre_tokenizer", out var pre);
        root.TryGetProperty("decoder", out var decoder);
        var patterns = new List<Regex>();
        var byteLevel = ReadPreTokenizer(path, pre, patterns) | (ModelJson.String(decoder, "type") == "ByteLevel");
        if (!byteLevel)
        {
            var e = new ModelLoadException(path, "the BPE model is not byte-level (no ByteLevel pre-tokenizer or decoder); only byte-level BPE tokenizer.json files are supported (SentencePiece-style BPE needs tokenizer.model)");
            e.Data[NotByteLevel] = true;
            throw e;
        }
        CheckNormalizer(path, root.TryGetProperty("normalizer", out var normalizer) ? normalizer : default);

        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException(path, "model.vocab must be an object of token to id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocabJson.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                throw new ModelLoadException(path, $"model.vocab[\"{p.Name}\"] must be a non-negative integer id");
            vocab[p.Name] = id;
        }

        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var m in mergesJson.EnumerateArray())
            {
                // Two forms: "a b" (older files) and ["a", "b"] (tokenizers >= 0.20).
                if (m.ValueKind == JsonValueKind.String) merges.Add(m.GetString()!);
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                    && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                {
                    var (a, b) = (m[0].GetString()!, m[1].GetString()!);
                    if (a.Contains(' ') || b.Contains(' '))
                        throw new ModelLoadException(path, $"model.merges[{i}] has a token containing a space, which Microsoft.ML.Tokenizers cannot represent");
                    merges.Add(a + " " + b);
                }
                else throw new ModelLoadException(path, $"model.merges[{i}] must be \"a b\" or [\"a\", \"b\"]");
                i++;
            }
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in addedJson.EnumerateArray())
            {
                var content = ModelJson.String(t, "content");
                if (content is null || !t.TryGetProperty("id", out var idJson) || !idJson.TryGetInt32(out var id))
                    throw new ModelLoadException(path, "each added_tokens entry needs \"id\" and \"content\"");
                added.Add(new AddedToken(content, id, ModelJson.Bool(t, "lstrip") == true, ModelJson.Bool(t, "rstrip") == true));
            }
        }
        // Tokens only named in tokenizer_config.json still split out whole, as HF adds them to the trie too.
        added.AddRange(config.AddedTokens);

        return Build(path, vocab, merges, added, patterns, config,
            ignoreMerges: ModelJson.Bool(model, "ignore_merges") == true,
            unknownToken: ModelJson.String(model, "unk_token"),
            continuingSubwordPrefix: ModelJson.String(model, "continuing_subword_prefix"),
            endOfWordSuffix: ModelJson.String(model, "end_of_word_suffix"));
    }

    public static TextTokenizer LoadVocabAndMerges(string vocabPath, string mergesPath, TokenizerConfig config)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var doc = ModelJson.Load(vocabPath))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException(vocabPath, "expected a JSON object of token to id");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                    throw new ModelLoadException(vocabPath, $"\"{p.Name}\" must map to a non-negative integer id");
                vocab[p.Name] = id;
            }
        }

        var merges = new List<string>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mergesPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(mergesPath, $"cannot read the file ({e.Message})", e);
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new ModelLoadException(mergesPath, $"line {i + 1}: expected two tokens separated by one space, found \"{line}\"");
            merges.Add(line);
        }

        var pattern = config.TokenizerClass is { } cls && cls.StartsWith("Qwen2", StringComparison.Ordinal) ? Qwen2Pattern : Gpt2Pattern;
        return Build(vocabPath, vocab, merges, config.AddedTokens, [NewRegex(vocabPath, pattern)], config, false, null, null, null);
    }

    private static TextTokenizer Build(
        string path, Dictionary<string, int> vocab, List<string> merges, List<AddedToken> added,
        List<Regex> patterns, TokenizerConfig config, bool ignoreMerges, string? unknownToken, string? continuingSubwordPrefix, string? endOfWordSuffix)
    {
        var special = SpecialTokenIds(added);
        var preTokenizer = new SplitPreTokenizer(patterns, new AddedTokenMatcher(added));
        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTokenizer.Create(new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                SpecialTokens = special.Count > 0 ? special : null,
                PreTokenizer = preTokenizer,
                UnknownToken = unknownToken,
                ContinuingSubwordPrefix = continuingSubwordPrefix,
                EndOfWordSuffix = endOfWordSuffix,
            });
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ModelLoadException(path, $"the vocabulary and merges are inconsistent: {e.Message}", e);
        }

        var max = -1;
        foreach (var id in vocab.Values) max = Math.Max(max, id);
        foreach (var id in special.Values) max = Math.Max(max, id);
        var reverse = new Dictionary<int, string>(vocab.Count);
        foreach (var (token, id) in vocab) reverse.TryAdd(id, token);

        return new TextTokenizer(
            tokenizer, "bpe", path, special, max + 1,
            token => special.TryGetValue(token, out var s) ? s : vocab.TryGetValue(token, out var v) ? v : null,
            id => reverse.TryGetValue(id, out var token) ? ByteLevelAlphabet.ToBytes(token) : null,
            config,
            encoder: ignoreMerges ? (text, ids, offsets) => EncodeIgnoringMerges(tokenizer, preTokenizer, vocab, special, text, ids, offsets) : null);
    }

    /// <summary>
    /// HF's <c>ignore_merges</c> (Llama 3): a pre-tokenized piece that is itself in the vocabulary is one token, even
    /// when the merges would not build it. Microsoft.ML.Tokenizers has no such switch, so pieces are looked up here
    /// and only the others go through BPE.
    /// </summary>
    private static void EncodeIgnoringMerges(
        BpeTokenizer tokenizer, SplitPreTokenizer preTokenizer, Dictionary<string, int> vocab, Dictionary<string, int> special,
        string text, List<int> ids, List<Range> offsets)
    {
        foreach (var (offset, length) in preTokenizer.PreTokenize(text))
        {
            var piece = text.AsSpan(offset, length);
            if (special.TryGetValue(piece.ToString(), out var specialId) || vocab.TryGetValue(ByteLevelAlphabet.ToTokenString(piece), out specialId))
            {
                ids.Add(specialId);
                offsets.Add(offset..(offset + length));
                continue;
            }
            foreach (var token in tokenizer.EncodeToTokens(piece.ToString(), out _, considerPreTokenization: false, considerNormalization: false))
            {
                ids.Add(token.Id);
                var r = token.Offset;
                offsets.Add(TextTokenizer.Clamp(text, (offset + r.Start.Value)..(offset + r.End.Value)));
            }
        }
    }

    /// <summary>Content to id; the first entry for a content wins, as in HF (tokenizer.json before tokenizer_config.json).</summary>
    internal static Dictionary<string, int> SpecialTokenIds(IEnumerable<AddedToken> added)
    {
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in added) special.TryAdd(t.Content, t.Id);
        return special;
    }

    /// <summary>Collects split regexes; returns whether a ByteLevel step is present.</summary>
    private static bool ReadPreTokenizer(string path, JsonElement pre, List<Regex> patterns)
    {
        if (pre.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return false;
        var type = ModelJson.String(pre, "type");
        switch (type)
        {
            case "Sequence":
                var byteLevel = false;
                if (pre.TryGetProperty("pretokenizers", out var steps) && steps.ValueKind == JsonValueKind.Array)
                    foreach (var step in steps.EnumerateArray()) byteLevel |= ReadPreTokenizer(path, step, patterns);
                return byteLevel;
            case "ByteLevel":
                if (ModelJson.Bool(pre, "add_prefix_space") == true)
                    throw new ModelLoadException(path, "pre_tokenizer ByteLevel with add_prefix_space: true is not supported; expected add_prefix_space: false");
                if (ModelJson.Bool(pre, "use_regex") ?? true) patterns.Add(NewRegex(path, Gpt2Pattern));
                return true;
            case "Split":
                var behavior = ModelJson.String(pre, "behavior");
                if (behavior != "Isolated" || ModelJson.Bool(pre, "invert") == true)
                    throw new ModelLoadException(path, $"pre_tokenizer Split with behavior \"{behavior}\" and invert {ModelJson.Bool(pre, "invert")} is not supported; expected behavior \"Isolated\", invert false");
                pre.TryGetProperty("pattern", out var pattern);
                if (ModelJson.String(pattern, "Regex") is { } regex) patterns.Add(NewRegex(path, regex));
                else if (ModelJson.String(pattern, "String") is { } literal) patterns.Add(NewRegex(path, Regex.Escape(literal)));
                else throw new ModelLoadException(path, "pre_tokenizer Split needs pattern {\"Regex\": ...} or {\"String\": ...}");
                return false;
            default:
                throw new ModelLoadException(path, $"pre_tokenizer type \"{type}\" is not supported; expected ByteLevel, Split or a Sequence of them");
        }
    }

    private static void CheckNormalizer(string path, JsonElement normalizer)
    {
        if (normalizer.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
        var type = ModelJson.String(normalizer, "type");
        // NFC leaves already-composed text (nearly all chat text) unchanged; text is encoded as given so offsets stay exact.
        if (type == "NFC") return;
        if (type == "Sequence" && normalizer.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var n in list.EnumerateArray()) CheckNormalizer(path, n);
            return;
        }
        throw new ModelLoadException(path, $"normalizer type \"{type}\" is not supported; expected none or NFC");
    }

    internal static Regex NewRegex(string path, string pattern)
    {
        try
        {
            return new Regex(RegexDialect.ToDotNet(pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ModelLoadException(path, $"the split pattern is not a valid .NET regex ({e.Message}): {pattern}", e);
        }
    }
}
