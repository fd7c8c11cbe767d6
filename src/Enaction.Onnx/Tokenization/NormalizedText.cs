using System.Globalization;
using System.Text;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Text after a normalizer, with each of its characters aligned to the range of the original text it came from, so
/// token offsets computed on the normalized text map back exactly onto the caller's text (as HF's
/// <c>NormalizedString</c> keeps alignments). Immutable; each operation returns a new instance.
/// </summary>
internal sealed class NormalizedText
{
    private readonly int[]? _start;
    private readonly int[]? _end;

    private NormalizedText(string text, int originalLength, int[]? start, int[]? end)
    {
        Text = text;
        OriginalLength = originalLength;
        _start = start;
        _end = end;
    }

    /// <summary>Text not (yet) changed: every character maps to itself.</summary>
    public static NormalizedText Identity(string text) => new(text, text.Length, null, null);

    /// <summary>The normalized text.</summary>
    public string Text { get; }

    /// <summary>The length of the original text.</summary>
    public int OriginalLength { get; }

    /// <summary>The first original character that normalized character <paramref name="index"/> came from.</summary>
    public int OriginalStart(int index) => _start is null ? index : _start[index];

    /// <summary>One past the last original character that normalized character <paramref name="index"/> came from.</summary>
    public int OriginalEnd(int index) => _end is null ? index + 1 : _end[index];

    /// <summary>The original range a normalized range <c>[from, to)</c> covers (empty ranges map to a point).</summary>
    public Range Original(int from, int to)
    {
        if (to <= from)
        {
            var at = from < Text.Length ? OriginalStart(from) : OriginalLength;
            return at..at;
        }
        var start = int.MaxValue;
        var end = 0;
        for (var i = from; i < to; i++)
        {
            start = Math.Min(start, OriginalStart(i));
            end = Math.Max(end, OriginalEnd(i));
        }
        return start..Math.Max(start, end);
    }

    /// <summary>Unicode normalization, aligned per run of a starter and the marks that follow it.</summary>
    public NormalizedText Normalize(NormalizationForm form)
    {
        if (Text.IsNormalized(form)) return this;
        var whole = Text.Normalize(form);
        var output = new StringBuilder(whole.Length);
        var start = new List<int>(whole.Length);
        var end = new List<int>(whole.Length);
        var i = 0;
        while (i < Text.Length)
        {
            var j = i + Width(Text, i);
            while (j < Text.Length && IsMark(Text, j)) j += Width(Text, j);
            var segment = Text.Substring(i, j - i);
            if (segment.IsNormalized(form))
            {
                for (var k = i; k < j; k++) Add(output, start, end, Text[k], OriginalStart(k), OriginalEnd(k));
            }
            else
            {
                var range = Original(i, j);
                foreach (var c in segment.Normalize(form)) Add(output, start, end, c, range.Start.Value, range.End.Value);
            }
            i = j;
        }
        // Compositions across starters (Hangul jamo, a few compatibility forms) are not seen per segment: fall back to
        // aligning the changed middle as one block, which keeps every offset inside the text it came from.
        if (!string.Equals(output.ToString(), whole, StringComparison.Ordinal)) return AlignBlock(whole);
        return new NormalizedText(whole, OriginalLength, [.. start], [.. end]);
    }

    /// <summary>Every occurrence of <paramref name="pattern"/> replaced by <paramref name="content"/>.</summary>
    public NormalizedText Replace(System.Text.RegularExpressions.Regex pattern, string content)
    {
        var matches = pattern.Matches(Text);
        if (matches.Count == 0) return this;
        var output = new StringBuilder(Text.Length);
        var start = new List<int>(Text.Length);
        var end = new List<int>(Text.Length);
        var at = 0;
        foreach (System.Text.RegularExpressions.Match m in matches)
        {
            if (m.Length == 0) continue;
            for (var k = at; k < m.Index; k++) Add(output, start, end, Text[k], OriginalStart(k), OriginalEnd(k));
            var range = Original(m.Index, m.Index + m.Length);
            foreach (var c in content) Add(output, start, end, c, range.Start.Value, range.End.Value);
            at = m.Index + m.Length;
        }
        for (var k = at; k < Text.Length; k++) Add(output, start, end, Text[k], OriginalStart(k), OriginalEnd(k));
        return new NormalizedText(output.ToString(), OriginalLength, [.. start], [.. end]);
    }

    /// <summary><paramref name="prefix"/> put before non-empty text, aligned to its first character (HF <c>Prepend</c>).</summary>
    public NormalizedText Prepend(string prefix)
    {
        if (Text.Length == 0 || prefix.Length == 0) return this;
        var start = new int[prefix.Length + Text.Length];
        var end = new int[start.Length];
        for (var k = 0; k < prefix.Length; k++) (start[k], end[k]) = (OriginalStart(0), OriginalEnd(0));
        for (var k = 0; k < Text.Length; k++) (start[prefix.Length + k], end[prefix.Length + k]) = (OriginalStart(k), OriginalEnd(k));
        return new NormalizedText(prefix + Text, OriginalLength, start, end);
    }

    /// <summary>Lower case, character by character (invariant culture; length-preserving).</summary>
    public NormalizedText Lowercase()
    {
        var lowered = Text.ToLowerInvariant();
        return lowered.Length == Text.Length ? new NormalizedText(lowered, OriginalLength, _start, _end) : AlignBlock(lowered);
    }

    /// <summary>Whitespace removed from either end (HF <c>Strip</c>).</summary>
    public NormalizedText Strip(bool left, bool right)
    {
        var from = 0;
        var to = Text.Length;
        if (left) while (from < to && char.IsWhiteSpace(Text[from])) from++;
        if (right) while (to > from && char.IsWhiteSpace(Text[to - 1])) to--;
        if (from == 0 && to == Text.Length) return this;
        var start = new int[to - from];
        var end = new int[to - from];
        for (var k = from; k < to; k++) (start[k - from], end[k - from]) = (OriginalStart(k), OriginalEnd(k));
        return new NormalizedText(Text[from..to], OriginalLength, start, end);
    }

    /// <summary>Aligns <paramref name="changed"/> to this text by their common prefix and suffix; the middle maps to the middle.</summary>
    private NormalizedText AlignBlock(string changed)
    {
        var prefix = 0;
        while (prefix < Text.Length && prefix < changed.Length && Text[prefix] == changed[prefix]) prefix++;
        var suffix = 0;
        while (suffix < Text.Length - prefix && suffix < changed.Length - prefix
            && Text[Text.Length - 1 - suffix] == changed[changed.Length - 1 - suffix]) suffix++;
        var start = new int[changed.Length];
        var end = new int[changed.Length];
        var middle = Original(prefix, Text.Length - suffix);
        for (var k = 0; k < changed.Length; k++)
        {
            if (k < prefix) (start[k], end[k]) = (OriginalStart(k), OriginalEnd(k));
            else if (k >= changed.Length - suffix)
            {
                var o = Text.Length - (changed.Length - k);
                (start[k], end[k]) = (OriginalStart(o), OriginalEnd(o));
            }
            else (start[k], end[k]) = (middle.Start.Value, middle.End.Value);
        }
        return new NormalizedText(changed, OriginalLength, start, end);
    }

    private static void Add(StringBuilder output, List<int> start, List<int> end, char c, int from, int to)
    {
        output.Append(c);
        start.Add(from);
        end.Add(to);
    }

    private static int Width(string s, int i) => char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;

    private static bool IsMark(string s, int i) => CharUnicodeInfo.GetUnicodeCategory(s, i) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}
