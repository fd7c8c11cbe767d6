using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Builds a BPE <see cref="TextTokenizer"/> from a Hugging Face <c>tokenizer.json</c> or from <c>vocab.json</c> +
/// <c>merges.txt</c>, applying the file's normalizer, pre-tokenizer, model and decoder as HF <c>tokenizers</c> does:
/// byte-level models (GPT-2, Llama 3, Qwen) and character-level ones with byte fallback (Gemma 3, converted
/// SentencePiece files). Microsoft.ML.Tokenizers 2.0.1 has no loader for these files and no byte fallback or
/// normalizer offsets, so the pipeline is built here (<see cref="TextNormalizer"/>, <see cref="SplitPreTokenizer"/>,
/// <see cref="BpeModel"/>). A component it does not apply is a <see cref="ModelLoadException"/> naming it.
/// </summary>
internal static class HuggingFaceBpe
{
    /// <summary>Key in <see cref="Exception.Data"/> marking a file that is well formed but uses a component this loader does not apply.</summary>
    public const string UnsupportedComponent = "Enaction.UnsupportedComponent";

    /// <summary>GPT-2's split pattern, used by <c>ByteLevel</c> with <c>use_regex: true</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's split pattern (its slow tokenizer hard-codes it; tokenizer.json repeats it in a Split).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(10);

    private static ModelLoadException Unsupported(string path, string problem)
    {
        var e = new ModelLoadException(path, problem);
        e.Data[UnsupportedComponent] = true;
        return e;
    }

    public static TextTokenizer LoadTokenizerJson(string path, TokenizerConfig config)
    {
        using var doc = ModelJson.Load(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException(path, "expected a Hugging Face tokenizer.json object with a \"model\" object");
        var type = ModelJson.String(model, "type");
        if (type is null && model.TryGetProperty("merges", out _)) type = "BPE"; // very old files omit the type
        if (type != "BPE")
            throw Unsupported(path, $"model \"{type}\" is not supported; expected \"BPE\" (byte-level, or with byte fallback); use tokenizer.model for SentencePiece Unigram models");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw Unsupported(path, "model BPE with dropout is not supported (it makes encoding random); expected dropout null");
        foreach (var affix in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
            if (ModelJson.String(model, affix) is { Length: > 0 } value)
                throw Unsupported(path, $"model BPE with {affix} \"{value}\" is not supported; expected none");

        root.TryGetProperty("pre_tokenizer", out var pre);
        root.TryGetProperty("decoder", out var decoderJson);
        root.TryGetProperty("normalizer", out var normalizerJson);
        var steps = new List<SplitStep>();
        var byteLevel = ReadPreTokenizer(path, pre, steps);
        var decoder = TokenDecoder.Load(path, decoderJson);
        byteLevel |= decoder.ByteLevel;
        var byteFallback = ModelJson.Bool(model, "byte_fallback") == true;
        var normalizer = TextNormalizer.Load(path, normalizerJson);

        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException(path, "model.vocab must be an object of token to id");
        var vocab = new Dictionary<string, int>(vocabJson.GetPropertyCount(), StringComparer.Ordinal);
        foreach (var p in vocabJson.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                throw new ModelLoadException(path, $"model.vocab[\"{p.Name}\"] must be a non-negative integer id");
            vocab[p.Name] = id;
        }

        var merges = new List<(string, string)>();
        if (model.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var m in mergesJson.EnumerateArray())
            {
                // Two forms: "a b" (older files) and ["a", "b"] (tokenizers >= 0.20).
                if (m.ValueKind == JsonValueKind.String && m.GetString()!.Split(' ') is [var a, var b]) merges.Add((a, b));
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                    && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                    merges.Add((m[0].GetString()!, m[1].GetString()!));
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
                added.Add(new AddedToken(content, id, ModelJson.Bool(t, "lstrip") == true, ModelJson.Bool(t, "rstrip") == true, ModelJson.Bool(t, "special") ?? true));
            }
        }
        // Tokens only named in tokenizer_config.json still split out whole, as HF adds them to the trie too.
        added.AddRange(config.AddedTokens);

        int? unknownId = null;
        if (ModelJson.String(model, "unk_token") is { } unk)
            unknownId = vocab.TryGetValue(unk, out var u) ? u : throw new ModelLoadException(path, $"model.unk_token \"{unk}\" is not in model.vocab");

        return Build(path, vocab, merges, added, normalizer, new SplitPreTokenizer(steps), decoder, byteLevel, config,
            byteFallback, unknownId, ModelJson.Bool(model, "fuse_unk") == true, ModelJson.Bool(model, "ignore_merges") == true);
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

        var merges = new List<(string, string)>();
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
            merges.Add((line[..space], line[(space + 1)..]));
        }

        // HF's slow Qwen2Tokenizer applies NFC and its own split pattern; GPT2Tokenizer neither.
        var qwen2 = config.TokenizerClass is { } cls && cls.StartsWith("Qwen2", StringComparison.Ordinal);
        var normalizer = qwen2 ? TextNormalizer.Load(vocabPath, JsonDocument.Parse("{\"type\":\"NFC\"}").RootElement) : TextNormalizer.None;
        var steps = new List<SplitStep> { new(NewRegex(vocabPath, qwen2 ? Qwen2Pattern : Gpt2Pattern), SplitBehavior.Isolated) };
        return Build(vocabPath, vocab, merges, config.AddedTokens, normalizer, new SplitPreTokenizer(steps), TokenDecoder.ByteLevelDecoder,
            byteLevel: true, config, byteFallback: false, unknownId: null, fuseUnknown: false, ignoreMerges: false);
    }

    private static TextTokenizer Build(
        string path, Dictionary<string, int> vocab, List<(string Left, string Right)> merges, List<AddedToken> added,
        TextNormalizer normalizer, SplitPreTokenizer preTokenizer, TokenDecoder decoder, bool byteLevel, TokenizerConfig config,
        bool byteFallback, int? unknownId, bool fuseUnknown, bool ignoreMerges)
    {
        var ranked = new List<(int, int, int)>(merges.Count);
        for (var i = 0; i < merges.Count; i++)
        {
            var (a, b) = merges[i];
            if (!vocab.TryGetValue(a, out var left) || !vocab.TryGetValue(b, out var right) || !vocab.TryGetValue(a + b, out var merged))
                throw new ModelLoadException(path, $"the vocabulary and merges are inconsistent: merge {i + 1} (\"{a}\" + \"{b}\") uses or makes a token missing from the vocabulary");
            ranked.Add((left, right, merged));
        }
        var model = new BpeModel(vocab, ranked, byteFallback, unknownId, fuseUnknown, ignoreMerges);

        var special = SpecialTokenIds(added);
        var max = -1;
        foreach (var id in vocab.Values) max = Math.Max(max, id);
        foreach (var id in special.Values) max = Math.Max(max, id);
        var reverse = new Dictionary<int, string>(vocab.Count);
        foreach (var (token, id) in vocab) reverse.TryAdd(id, token);

        Func<int, byte[]?> tokenBytes = id => reverse.TryGetValue(id, out var token) ? decoder.Bytes(token, byteFallback) : null;
        var specialById = new Dictionary<int, string>();
        foreach (var (text, id) in special) specialById.TryAdd(id, text);

        return new TextTokenizer(
            null, "bpe", path, added, special, max + 1,
            token => special.TryGetValue(token, out var s) ? s : vocab.TryGetValue(token, out var v) ? v : null,
            tokenBytes,
            config,
            (text, start, length, ids, offsets) => EncodeStretch(model, normalizer, preTokenizer, byteLevel, text, start, length, ids, offsets),
            ids => decoder.Decode(ids, specialById, tokenBytes));
    }

    /// <summary>Normalizes, pre-tokenizes and encodes one stretch of text that holds no added token.</summary>
    private static void EncodeStretch(BpeModel model, TextNormalizer normalizer, SplitPreTokenizer preTokenizer, bool byteLevel,
        string text, int start, int length, List<int> ids, List<Range> offsets)
    {
        var normalized = normalizer.IsIdentity ? null : normalizer.Apply(text.Substring(start, length));
        var source = normalized?.Text ?? text;
        var (from, count) = normalized is null ? (start, length) : (0, source.Length);
        List<(int Offset, int Length)> pieces = preTokenizer.IsEmpty ? [(from, count)] : preTokenizer.Split(source, from, count);
        var symbols = new List<BpeModel.Symbol>();
        foreach (var (offset, pieceLength) in pieces)
        {
            if (pieceLength == 0) continue;
            symbols.Clear();
            int[]? charStart = null, charEnd = null;
            if (byteLevel)
            {
                var word = ByteLevelWord(source, offset, pieceLength, out charStart, out charEnd);
                try
                {
                    model.Encode(word, symbols);
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"cannot encode \"{source.Substring(offset, pieceLength)}\": {e.Message}", e);
                }
            }
            else model.Encode(source.Substring(offset, pieceLength), symbols);
            foreach (var symbol in symbols)
            {
                // Symbol ranges are in bytes (byte-level) or characters of the piece; map to the source, then to the caller's text.
                var (s, e) = charStart is null ? (symbol.Start, symbol.End) : (charStart[symbol.Start], charEnd![symbol.End - 1]);
                Range range;
                if (normalized is null) range = (offset + s)..(offset + e);
                else
                {
                    var original = normalized.Original(offset + s, offset + e);
                    range = (start + original.Start.Value)..(start + original.End.Value);
                }
                ids.Add(symbol.Id);
                offsets.Add(TextTokenizer.Clamp(text, range));
            }
        }
    }

    /// <summary>
    /// A piece spelled in GPT-2's byte alphabet (one character per UTF-8 byte), with, for each byte, the range of the
    /// piece's characters it belongs to (a surrogate pair is one character; a lone surrogate is U+FFFD's three bytes);
    /// the maps are null for an ASCII piece, where bytes and characters coincide.
    /// </summary>
    private static string ByteLevelWord(string source, int offset, int length, out int[]? charStart, out int[]? charEnd)
    {
        var piece = source.AsSpan(offset, length);
        if (!piece.ContainsAnyExceptInRange((char)0, (char)0x7F))
        {
            // ASCII (most text): one byte per character, so byte ranges are character ranges.
            charStart = charEnd = null;
            return string.Create(piece.Length, (source, offset), static (chars, state) =>
            {
                for (var k = 0; k < chars.Length; k++) chars[k] = ByteLevelAlphabet.Char((byte)state.source[state.offset + k]);
            });
        }
        var total = Encoding.UTF8.GetByteCount(piece);
        var chars = new char[total];
        charStart = new int[total];
        charEnd = new int[total];
        Span<byte> buffer = stackalloc byte[4];
        var b = 0;
        for (var i = 0; i < piece.Length;)
        {
            var width = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            var n = Encoding.UTF8.GetBytes(piece.Slice(i, width), buffer);
            for (var k = 0; k < n; k++, b++)
            {
                chars[b] = ByteLevelAlphabet.Char(buffer[k]);
                charStart[b] = i;
                charEnd[b] = i + width;
            }
            i += width;
        }
        return new string(chars);
    }

    /// <summary>Content to id; the first entry for a content wins, as in HF (tokenizer.json before tokenizer_config.json).</summary>
    internal static Dictionary<string, int> SpecialTokenIds(IEnumerable<AddedToken> added)
    {
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in added) special.TryAdd(t.Content, t.Id);
        return special;
    }

    /// <summary>Collects the pre-tokenizer's split steps; returns whether a ByteLevel step is present.</summary>
    private static bool ReadPreTokenizer(string path, JsonElement pre, List<SplitStep> steps)
    {
        if (pre.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return false;
        var type = ModelJson.String(pre, "type");
        switch (type)
        {
            case "Sequence":
                var byteLevel = false;
                if (pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array)
                    foreach (var step in list.EnumerateArray()) byteLevel |= ReadPreTokenizer(path, step, steps);
                return byteLevel;
            case "ByteLevel":
                if (ModelJson.Bool(pre, "add_prefix_space") == true)
                    throw Unsupported(path, "pre_tokenizer ByteLevel with add_prefix_space: true is not supported; expected add_prefix_space: false");
                if (ModelJson.Bool(pre, "use_regex") ?? true) steps.Add(new SplitStep(NewRegex(path, Gpt2Pattern), SplitBehavior.Isolated));
                return true;
            case "Split":
                var behaviorName = ModelJson.String(pre, "behavior");
                if (!Enum.TryParse<SplitBehavior>(behaviorName, ignoreCase: false, out var behavior) || !Enum.IsDefined(behavior))
                    throw Unsupported(path, $"pre_tokenizer Split with behavior \"{behaviorName}\" is not supported; expected one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");
                steps.Add(new SplitStep(TextNormalizer.Pattern(path, "pre_tokenizer Split", pre), behavior, ModelJson.Bool(pre, "invert") == true));
                return false;
            case "Digits":
                var individual = ModelJson.Bool(pre, "individual_digits") == true;
                steps.Add(new SplitStep(new Regex(individual ? @"\p{N}" : @"\p{N}+", RegexOptions.CultureInvariant), SplitBehavior.Isolated));
                return false;
            default:
                throw Unsupported(path, $"pre_tokenizer \"{type}\" is not supported; expected ByteLevel, Split, Digits or a Sequence of them");
        }
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
