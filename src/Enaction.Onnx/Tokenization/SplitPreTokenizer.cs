using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Splits text the way Hugging Face <c>tokenizers</c> does for byte-level BPE: first the added (special) tokens are
/// cut out as whole pieces (longest match first, lstrip/rstrip whitespace absorbed), then each stretch between them is split by the model's regex,
/// keeping the gaps the regex does not match as pieces of their own (<c>Split</c> with behaviour <c>Isolated</c>).
/// The regex never sees across a special token, as in HF.
/// </summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly AddedTokenMatcher _special;
    private readonly Regex[] _patterns;

    public SplitPreTokenizer(IReadOnlyList<Regex> patterns, AddedTokenMatcher addedTokens)
    {
        _patterns = [.. patterns];
        _special = addedTokens;
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        string.IsNullOrEmpty(text) ? [] : Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        text.IsEmpty ? [] : Split(text.ToString());

    private List<(int Offset, int Length)> Split(string text)
    {
        var pieces = new List<(int, int)>();
        var at = 0;
        foreach (var m in _special.Matches(text))
        {
            SplitOrdinary(text, at, m.Start - at, pieces);
            // Whitespace absorbed by lstrip/rstrip is left out: it yields no token, as in HF.
            pieces.Add((m.TokenStart, m.TokenLength));
            at = m.End;
        }
        SplitOrdinary(text, at, text.Length - at, pieces);
        return pieces;
    }

    private void SplitOrdinary(string text, int start, int length, List<(int Offset, int Length)> pieces)
    {
        if (length <= 0) return;
        var current = new List<(int Offset, int Length)> { (start, length) };
        foreach (var pattern in _patterns)
        {
            var next = new List<(int Offset, int Length)>(current.Count * 2);
            foreach (var (offset, len) in current) Isolate(pattern, text, offset, len, next);
            current = next;
        }
        pieces.AddRange(current);
    }

    private static void Isolate(Regex pattern, string text, int start, int length, List<(int Offset, int Length)> into)
    {
        var at = start;
        // Matching on a slice keeps look-arounds inside the stretch, as HF does per piece.
        foreach (var m in pattern.EnumerateMatches(text.AsSpan(start, length)))
        {
            if (m.Length == 0) continue;
            var index = start + m.Index;
            if (index > at) into.Add((at, index - at));
            into.Add((index, m.Length));
            at = index + m.Length;
        }
        if (at < start + length) into.Add((at, start + length - at));
    }
}
