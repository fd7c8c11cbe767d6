using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Enaction.Onnx.Tokenization;

/// <summary>What HF's <c>Split</c> pre-tokenizer does with the delimiters its pattern matches.</summary>
internal enum SplitBehavior
{
    /// <summary>Delimiters are dropped.</summary>
    Removed,
    /// <summary>Each delimiter is a piece of its own.</summary>
    Isolated,
    /// <summary>A delimiter joins the piece before it.</summary>
    MergedWithPrevious,
    /// <summary>A delimiter joins the piece after it.</summary>
    MergedWithNext,
    /// <summary>Consecutive delimiters form one piece.</summary>
    Contiguous,
}

/// <summary>One <c>Split</c> step: a pattern, what to do with its matches, and whether the pattern is inverted.</summary>
internal sealed record SplitStep(Regex Pattern, SplitBehavior Behavior, bool Invert = false);

/// <summary>
/// Splits text into pieces the way HF <c>tokenizers</c>' pre-tokenizers do: each <see cref="SplitStep"/> in turn
/// splits every piece the previous steps produced (<c>Split</c> with every <c>behavior</c> and <c>invert</c>;
/// <c>ByteLevel</c>'s regex and <c>Digits</c> are Isolated splits). Added tokens are cut out before this runs, by
/// <see cref="TextTokenizer"/>. Empty pieces are dropped, as in HF.
/// </summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly SplitStep[] _steps;

    public SplitPreTokenizer(IReadOnlyList<SplitStep> steps) => _steps = [.. steps];

    /// <summary>Whether any step splits at all (a model with none sees each stretch as one word).</summary>
    public bool IsEmpty => _steps.Length == 0;

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        string.IsNullOrEmpty(text) ? [] : Split(text, 0, text.Length);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        text.IsEmpty ? [] : Split(text.ToString(), 0, text.Length);

    /// <summary>The pieces of <c>text[start..start+length]</c>, as offsets into <paramref name="text"/>.</summary>
    public List<(int Offset, int Length)> Split(string text, int start, int length)
    {
        var current = new List<(int Offset, int Length)>();
        if (length <= 0) return current;
        current.Add((start, length));
        var parts = new List<(int Start, int End, bool Match)>();
        foreach (var step in _steps)
        {
            var next = new List<(int Offset, int Length)>(current.Count * 2);
            foreach (var (offset, len) in current)
            {
                parts.Clear();
                Find(step, text, offset, len, parts);
                Apply(step.Behavior, parts, next);
            }
            current = next;
        }
        return current;
    }

    /// <summary>The piece cut into alternating (match, gap) parts covering all of it, as HF's <c>find_matches</c>.</summary>
    private static void Find(SplitStep step, string text, int start, int length, List<(int Start, int End, bool Match)> parts)
    {
        var at = start;
        // Matching on a slice keeps look-arounds inside the piece, as HF does per piece.
        foreach (var m in step.Pattern.EnumerateMatches(text.AsSpan(start, length)))
        {
            if (m.Length == 0) continue;
            var index = start + m.Index;
            if (index > at) parts.Add((at, index, step.Invert));
            parts.Add((index, index + m.Length, !step.Invert));
            at = index + m.Length;
        }
        if (at < start + length) parts.Add((at, start + length, step.Invert));
    }

    private static void Apply(SplitBehavior behavior, List<(int Start, int End, bool Match)> parts, List<(int Offset, int Length)> into)
    {
        var first = into.Count;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var (s, e, match) in parts)
                    if (!match) into.Add((s, e - s));
                break;
            case SplitBehavior.Isolated:
                foreach (var (s, e, _) in parts) into.Add((s, e - s));
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                var previousMatch = false;
                foreach (var (s, e, match) in parts)
                {
                    if (match && !previousMatch && into.Count > first) into[^1] = (into[^1].Offset, e - into[^1].Offset);
                    else into.Add((s, e - s));
                    previousMatch = match;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                // HF folds from the right: a delimiter joins the piece after it, unless that piece is a delimiter too.
                var reversed = new List<(int Offset, int Length)>();
                var previousMatch = false;
                for (var i = parts.Count - 1; i >= 0; i--)
                {
                    var (s, e, match) = parts[i];
                    if (match && !previousMatch && reversed.Count > 0) reversed[^1] = (s, reversed[^1].Offset + reversed[^1].Length - s);
                    else reversed.Add((s, e - s));
                    previousMatch = match;
                }
                for (var i = reversed.Count - 1; i >= 0; i--) into.Add(reversed[i]);
                break;
            }
            case SplitBehavior.Contiguous:
            {
                var previousMatch = false;
                var any = false;
                foreach (var (s, e, match) in parts)
                {
                    if (any && match == previousMatch) into[^1] = (into[^1].Offset, e - into[^1].Offset);
                    else into.Add((s, e - s));
                    previousMatch = match;
                    any = true;
                }
                break;
            }
        }
    }
}
