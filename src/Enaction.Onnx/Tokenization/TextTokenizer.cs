using System.Text;
using Enaction.Onnx.Models;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// A model's tokenizer, loaded from a Hugging Face-style model directory: byte-level BPE (<c>tokenizer.json</c>, or
/// <c>vocab.json</c> + <c>merges.txt</c>), SentencePiece (<c>tokenizer.model</c>) or a tiktoken rank file
/// (<c>*.tiktoken</c>). Encodes text to ids with UTF-16 offsets into the text, splitting special-token strings out
/// as single ids exactly as Hugging Face does.
/// </summary>
public sealed class TextTokenizer
{
    /// <summary>The files <see cref="Load"/> looks for, in order.</summary>
    public const string LookedFor = "tokenizer.json, vocab.json + merges.txt, tokenizer.model, *.tiktoken";

    private readonly Dictionary<int, string> _specialById;
    private readonly Func<int, byte[]?> _tokenBytes;
    private readonly AddedTokenMatcher _added;
    private readonly StretchEncoder _encodeStretch;
    private readonly Func<int[], string> _decode;

    /// <summary>Encodes <c>text[start..start+length]</c>, which holds no added token, appending ids and offsets into <c>text</c>.</summary>
    internal delegate void StretchEncoder(string text, int start, int length, List<int> ids, List<Range> offsets);

    internal TextTokenizer(
        Tokenizer? tokenizer,
        string kind,
        string sourcePath,
        IReadOnlyList<AddedToken> addedTokens,
        IReadOnlyDictionary<string, int> specialTokens,
        int vocabularySize,
        Func<string, int?> tokenToId,
        Func<int, byte[]?> tokenBytes,
        TokenizerConfig config,
        StretchEncoder encodeStretch,
        Func<int[], string> decode,
        bool addBosByDefault = false)
    {
        Tokenizer = tokenizer;
        Kind = kind;
        SourcePath = sourcePath;
        SpecialTokens = specialTokens;
        VocabularySize = vocabularySize;
        _tokenBytes = tokenBytes;
        _added = new AddedTokenMatcher(addedTokens);
        _encodeStretch = encodeStretch;
        _decode = decode;
        _specialById = [];
        foreach (var (text, id) in specialTokens) _specialById.TryAdd(id, text);
        var control = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in addedTokens)
        {
            added.Add(t.Content);
            if (t.Special) control.TryAdd(t.Content, t.Id);
        }
        foreach (var (text, id) in specialTokens)
            if (!added.Contains(text)) control.TryAdd(text, id); // the model's own BOS/EOS (SentencePiece)
        ControlTokens = control;

        BosToken = config.BosToken;
        EosToken = config.EosToken;
        BosTokenId = BosToken is null ? config.GenerationBosId : tokenToId(BosToken);
        EosTokenId = EosToken is null ? (config.GenerationEosIds.Count > 0 ? config.GenerationEosIds[0] : null) : tokenToId(EosToken);
        if (BosToken is null && BosTokenId is { } b) BosToken = _specialById.GetValueOrDefault(b);
        if (EosToken is null && EosTokenId is { } e) EosToken = _specialById.GetValueOrDefault(e);
        AddBosToken = (config.AddBosToken ?? addBosByDefault) && BosTokenId is not null;

        var stops = new List<int>();
        if (EosTokenId is { } eos) stops.Add(eos);
        foreach (var id in config.GenerationEosIds)
            if (!stops.Contains(id)) stops.Add(id);
        StopTokenIds = stops;
    }

    /// <summary>
    /// The Microsoft.ML.Tokenizers tokenizer that does the work for SentencePiece and tiktoken files; null for
    /// byte-level and character-level BPE (<c>tokenizer.json</c>, <c>vocab.json</c>), which this project encodes itself.
    /// </summary>
    public Tokenizer? Tokenizer { get; }

    /// <summary>"bpe", "sentencepiece" or "tiktoken".</summary>
    public string Kind { get; }

    /// <summary>The file the vocabulary was read from.</summary>
    public string SourcePath { get; }

    /// <summary>The highest token id, including added and special tokens, plus one.</summary>
    public int VocabularySize { get; }

    /// <summary>Added and special tokens: each is matched in text as a whole and becomes its single id.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>
    /// The control tokens among <see cref="SpecialTokens"/> (<c>"special": true</c>: turn and role markers, BOS/EOS).
    /// Only the chat template writes them: inside message content their text is ordinary characters (see
    /// <see cref="Encode(string, List{int}, List{Range}, IReadOnlyList{Range})"/>).
    /// </summary>
    public IReadOnlyDictionary<string, int> ControlTokens { get; }

    /// <summary>The beginning-of-sequence token (from <c>tokenizer_config.json</c>), if the model has one.</summary>
    public string? BosToken { get; }

    /// <summary>The id of <see cref="BosToken"/>.</summary>
    public int? BosTokenId { get; }

    /// <summary>The end-of-sequence token (from <c>tokenizer_config.json</c>), if the model has one.</summary>
    public string? EosToken { get; }

    /// <summary>The id of <see cref="EosToken"/>.</summary>
    public int? EosTokenId { get; }

    /// <summary>Whether the tokenizer config asks for BOS before a sequence (<c>add_bos_token</c>).</summary>
    public bool AddBosToken { get; }

    /// <summary>Ids that end a generated turn: EOS plus <c>generation_config.json</c> <c>eos_token_id</c> entries.</summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// Appends the ids of <paramref name="text"/> to <paramref name="ids"/> and, for each, the UTF-16 range of
    /// <paramref name="text"/> it covers to <paramref name="offsets"/>. Adds no BOS/EOS. Bytes of one character
    /// split over several tokens give each of those tokens that character's range; characters a normalizer combines
    /// or expands map to the whole original range they came from.
    /// </summary>
    public void Encode(string text, List<int> ids, List<Range> offsets) => Encode(text, ids, offsets, null);

    /// <summary>
    /// As <see cref="Encode(string, List{int}, List{Range})"/>, but inside the <paramref name="plainText"/> ranges
    /// (sorted, not overlapping: the message contents of a rendered transcript) the text of a control token is
    /// encoded as ordinary characters, as Hugging Face's <c>split_special_tokens</c> does, so no message can write a
    /// turn marker; non-control added tokens are still recognised there. Everywhere else the text is encoded exactly
    /// as Hugging Face does.
    /// </summary>
    public void Encode(string text, List<int> ids, List<Range> offsets, IReadOnlyList<Range>? plainText)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(offsets);
        if (text.Length == 0) return;
        var at = 0;
        foreach (var m in _added.Matches(text, plainText))
        {
            if (m.Start > at) _encodeStretch(text, at, m.Start - at, ids, offsets);
            // Whitespace absorbed by lstrip/rstrip is left out: it yields no token, as in HF.
            ids.Add(SpecialTokens[m.Token]);
            offsets.Add(m.TokenStart..(m.TokenStart + m.TokenLength));
            at = m.End;
        }
        if (at < text.Length) _encodeStretch(text, at, text.Length - at, ids, offsets);
    }

    /// <summary>The ids of <paramref name="text"/> (no BOS/EOS).</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        Encode(text, ids, []);
        return [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>, special tokens written as their strings.</summary>
    public string Decode(ReadOnlySpan<int> ids) => _decode(ids.ToArray());

    /// <summary>
    /// Readable text of one token for display: special tokens as their strings, otherwise the token's text, or
    /// <c>&lt;0xE2&gt;</c>-style bytes when the token is part of a character.
    /// </summary>
    public string TokenText(int id)
    {
        if (_specialById.TryGetValue(id, out var special)) return special;
        var bytes = _tokenBytes(id);
        if (bytes is null) return _decode([id]);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            var sb = new StringBuilder(bytes.Length * 6);
            foreach (var b in bytes) sb.Append("<0x").Append(b.ToString("X2")).Append('>');
            return sb.ToString();
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Keeps a range inside the text and off the middle of a surrogate pair.</summary>
    internal static Range Clamp(string text, Range range)
    {
        var start = Math.Clamp(range.Start.GetOffset(text.Length), 0, text.Length);
        var end = Math.Clamp(range.End.GetOffset(text.Length), start, text.Length);
        if (start > 0 && start < text.Length && char.IsLowSurrogate(text[start]) && char.IsHighSurrogate(text[start - 1])) start--;
        if (end > 0 && end < text.Length && char.IsHighSurrogate(text[end - 1]) && char.IsLowSurrogate(text[end])) end++;
        return start..end;
    }

    /// <summary>
    /// Loads the tokenizer of <paramref name="modelDirectory"/>, trying <see cref="LookedFor"/> in order.
    /// Throws <see cref="ModelLoadException"/> naming the file and the problem.
    /// </summary>
    public static TextTokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory))
            throw new ModelLoadException(modelDirectory, "the model directory does not exist");
        var config = TokenizerConfig.Load(modelDirectory);

        var tokenizerJson = Path.Combine(modelDirectory, "tokenizer.json");
        var sentencePiece = Path.Combine(modelDirectory, "tokenizer.model");
        if (File.Exists(tokenizerJson))
        {
            try
            {
                return HuggingFaceBpe.LoadTokenizerJson(tokenizerJson, config);
            }
            catch (ModelLoadException e) when (e.Data.Contains(HuggingFaceBpe.UnsupportedComponent) && File.Exists(sentencePiece))
            {
                // A tokenizer.json component this loader does not apply, beside a tokenizer.model: the SentencePiece file is used.
            }
        }

        var vocab = Path.Combine(modelDirectory, "vocab.json");
        var merges = Path.Combine(modelDirectory, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges)) return HuggingFaceBpe.LoadVocabAndMerges(vocab, merges, config);
        if (File.Exists(vocab) != File.Exists(merges))
            throw new ModelLoadException(File.Exists(vocab) ? vocab : merges,
                "vocab.json and merges.txt must come together; the other file is missing");

        if (File.Exists(sentencePiece)) return SentencePieceFile.Load(sentencePiece, config);

        var tiktoken = Directory.GetFiles(modelDirectory, "*.tiktoken");
        if (tiktoken.Length == 1) return TiktokenFile.Load(tiktoken[0], config);
        if (tiktoken.Length > 1)
            throw new ModelLoadException(modelDirectory,
                $"found {tiktoken.Length} *.tiktoken files ({string.Join(", ", tiktoken.Select(Path.GetFileName))}); expected one");

        throw new ModelLoadException(modelDirectory, $"no tokenizer found; looked for {LookedFor}");
    }
}
