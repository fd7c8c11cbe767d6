using System.Text.RegularExpressions;

namespace Enaction.Onnx.Tokenization;

/// <summary>An added token as Hugging Face files describe it.</summary>
/// <param name="Content">The token's text, matched whole.</param>
/// <param name="Id">Its id.</param>
/// <param name="LStrip">Whether whitespace before it is absorbed into it.</param>
/// <param name="RStrip">Whether whitespace after it is absorbed into it.</param>
/// <param name="Special">
/// Whether it is a control token (<c>"special": true</c>; assumed when a file does not say). Control tokens are only
/// recognised where the chat template wrote them, never inside message content.
/// </param>
internal sealed record AddedToken(string Content, int Id, bool LStrip = false, bool RStrip = false, bool Special = true);

/// <summary>
/// Finds added tokens in text the way HF <c>tokenizers</c> does before any other splitting: longest token first,
/// leftmost, with <c>lstrip</c>/<c>rstrip</c> whitespace absorbed (that whitespace is then not encoded at all).
/// Inside ranges marked as plain text (message content), control tokens are not recognised: their literal text is
/// left to the model as ordinary characters, as HF's <c>split_special_tokens</c> does; other added tokens still are.
/// </summary>
internal sealed class AddedTokenMatcher
{
    /// <summary>A character no token contains: it stands in for the first character of a control token's text in plain ranges.</summary>
    private const char Mask = '\uFFFF';

    private readonly Regex? _regex;
    private readonly Regex? _control;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        var distinct = tokens.Where(t => t.Content.Length > 0 && !t.Content.Contains(Mask))
            .GroupBy(t => t.Content, StringComparer.Ordinal).Select(g => g.First())
            .OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content, StringComparer.Ordinal)
            .ToList();
        if (distinct.Count == 0) return;
        _regex = new Regex(string.Join("|", distinct.Select(t =>
            (t.LStrip ? @"\s*" : "") + "(?<t>" + Regex.Escape(t.Content) + ")" + (t.RStrip ? @"\s*" : ""))), RegexOptions.CultureInvariant);
        var control = distinct.Where(t => t.Special).Select(t => Regex.Escape(t.Content)).ToList();
        if (control.Count > 0) _control = new Regex(string.Join("|", control), RegexOptions.CultureInvariant);
    }

    /// <summary>One match: the whole absorbed range and the token itself.</summary>
    public readonly record struct Match(int Start, int End, int TokenStart, int TokenLength, string Token);

    /// <summary>
    /// The matches in <paramref name="text"/>, in order. In <paramref name="plain"/> ranges (sorted, not overlapping)
    /// control tokens are not matched.
    /// </summary>
    public List<Match> Matches(string text, IReadOnlyList<Range>? plain = null)
    {
        var matches = new List<Match>();
        if (_regex is null) return matches;
        var searched = plain is { Count: > 0 } && _control is not null ? Masked(text, plain) : text;
        for (var m = _regex.Match(searched); m.Success; m = m.NextMatch())
        {
            var t = m.Groups["t"];
            matches.Add(new Match(m.Index, m.Index + m.Length, t.Index, t.Length, t.Value));
        }
        return matches;
    }

    /// <summary>
    /// A copy of <paramref name="text"/> in which every control token's text that starts inside a plain range has its
    /// first character masked, so no match can start there; other added tokens match as before.
    /// </summary>
    private string Masked(string text, IReadOnlyList<Range> plain)
    {
        char[]? chars = null;
        foreach (var range in plain)
        {
            var (start, end) = (range.Start.GetOffset(text.Length), range.End.GetOffset(text.Length));
            // Overlapping occurrences ("<|im_end|>" inside a longer literal) are each masked: search from every start.
            for (var at = start; at < end;)
            {
                var m = _control!.Match(text, at);
                if (!m.Success || m.Index >= end) break;
                chars ??= text.ToCharArray();
                chars[m.Index] = Mask;
                at = m.Index + 1;
            }
        }
        return chars is null ? text : new string(chars);
    }
}
