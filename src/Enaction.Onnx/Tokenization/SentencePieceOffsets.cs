using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Encodes with a SentencePiece model the way Hugging Face's (legacy) Llama tokenizer does: special-token strings
/// are cut out first (by <see cref="TextTokenizer"/>) and every other stretch is encoded on its own (each gets
/// SentencePiece's dummy-prefix space).
/// SentencePiece reports offsets into its normalised text ('▁' for spaces, dummy prefix added), so they are mapped
/// back onto the caller's text by aligning the two strings.
/// </summary>
internal sealed class SentencePieceOffsets
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly bool _controlCharactersAsSpaces;
    private readonly Func<int, byte[]?> _tokenBytes;

    /// <param name="tokenizer">The SentencePiece tokenizer, created without special tokens so it never matches one in a stretch.</param>
    /// <param name="controlCharactersAsSpaces">
    /// Whether the model normalises with nmt_nfkc, which turns tab, CR and LF into spaces; Microsoft.ML.Tokenizers
    /// 2.0.1 does not, so it is done here (length-preserving, so offsets stay exact).
    /// </param>
    /// <param name="tokenBytes">The bytes of a token, to spot byte-fallback continuation bytes.</param>
    public SentencePieceOffsets(SentencePieceTokenizer tokenizer, bool controlCharactersAsSpaces, Func<int, byte[]?> tokenBytes)
    {
        _tokenizer = tokenizer;
        _controlCharactersAsSpaces = controlCharactersAsSpaces;
        _tokenBytes = tokenBytes;
    }

    /// <summary>Encodes one stretch that holds no added token (a <see cref="TextTokenizer.StretchEncoder"/>).</summary>
    public void EncodeStretch(string text, int start, int length, List<int> ids, List<Range> offsets)
    {
        if (length <= 0) return;
        var stretch = text.Substring(start, length);
        if (_controlCharactersAsSpaces) stretch = stretch.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
        var tokens = _tokenizer.EncodeToTokens(stretch, out var normalized, addBeginningOfSentence: false, addEndOfSentence: false);
        var map = Align(normalized ?? stretch, stretch);
        var last = map.Length - 1;
        Range previous = start..start;
        foreach (var token in tokens)
        {
            ids.Add(token.Id);
            var s = Math.Clamp(token.Offset.Start.GetOffset(last), 0, last);
            var e = Math.Clamp(token.Offset.End.GetOffset(last), s, last);
            var range = TextTokenizer.Clamp(text, (start + map[s])..(start + Math.Max(map[s], map[e])));
            // Byte-fallback pieces after the first byte of a character get that character's range, as in byte-level BPE.
            if (range.Start.Value == range.End.Value && _tokenBytes(token.Id) is [var b] && (b & 0xC0) == 0x80) range = previous;
            offsets.Add(range);
            previous = range;
        }
    }

    /// <summary>For each index of <paramref name="normalized"/> (and its end), the matching index in <paramref name="original"/>.</summary>
    private static int[] Align(string normalized, string original)
    {
        var map = new int[normalized.Length + 1];
        int n = 0, o = 0;
        while (n < normalized.Length)
        {
            map[n] = o;
            var c = normalized[n];
            if (o < original.Length && (c == original[o] || (c == '\u2581' && original[o] == ' ')))
            {
                n++;
                o++;
            }
            else if (c == '\u2581')
            {
                n++; // the dummy prefix: zero width in the original
            }
            else if (o < original.Length && char.IsWhiteSpace(original[o]))
            {
                o++; // whitespace the normaliser removed
            }
            else
            {
                n++;
                if (o < original.Length) o++;
            }
        }
        map[normalized.Length] = original.Length;
        return map;
    }
}
