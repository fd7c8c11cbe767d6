using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// SentencePiece reports offsets into its normalised text (dummy-prefix '▁' added, spaces written as '▁'). This maps
/// them back onto the caller's text by aligning the two strings character by character.
/// </summary>
internal static class SentencePieceOffsets
{
    public static void Encode(SentencePieceTokenizer tokenizer, string text, List<int> ids, List<Range> offsets)
    {
        var tokens = tokenizer.EncodeToTokens(text, out var normalized, addBeginningOfSentence: false, addEndOfSentence: false);
        var map = normalized is null ? null : Align(normalized, text);
        foreach (var token in tokens)
        {
            ids.Add(token.Id);
            if (map is null)
            {
                offsets.Add(TextTokenizer.Clamp(text, token.Offset));
                continue;
            }
            var s = Math.Clamp(token.Offset.Start.GetOffset(map.Length - 1), 0, map.Length - 1);
            var e = Math.Clamp(token.Offset.End.GetOffset(map.Length - 1), s, map.Length - 1);
            offsets.Add(TextTokenizer.Clamp(text, map[s]..Math.Max(map[s], map[e])));
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
                n++; // inserted dummy prefix: zero width in the original
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
