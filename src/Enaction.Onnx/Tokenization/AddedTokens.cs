using System.Text.RegularExpressions;

namespace Enaction.Onnx.Tokenization;

/// <summary>An added (special) token as Hugging Face files describe it.</summary>
/// <param name="Content">The token's text, matched whole.</param>
/// <param name="Id">Its id.</param>
/// <param name="LStrip">Whether whitespace before it is absorbed into it.</param>
/// <param name="RStrip">Whether whitespace after it is absorbed into it.</param>
internal sealed record AddedToken(string Content, int Id, bool LStrip = false, bool RStrip = false);

/// <summary>
/// Finds added tokens in text the way HF <c>tokenizers</c> does before any other splitting: longest token first,
/// leftmost, with <c>lstrip</c>/<c>rstrip</c> whitespace absorbed (that whitespace is then not encoded at all).
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Regex? _regex;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        var alternatives = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content, StringComparer.Ordinal).Select(g => g.First())
            .OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content, StringComparer.Ordinal)
            .Select(t => (t.LStrip ? @"\s*" : "") + "(?<t>" + Regex.Escape(t.Content) + ")" + (t.RStrip ? @"\s*" : ""))
            .ToArray();
        if (alternatives.Length > 0) _regex = new Regex(string.Join("|", alternatives), RegexOptions.CultureInvariant);
    }

    /// <summary>One match: the whole absorbed range and the token itself.</summary>
    public readonly record struct Match(int Start, int End, int TokenStart, int TokenLength, string Token);

    /// <summary>The matches in <paramref name="text"/>, in order.</summary>
    public IEnumerable<Match> Matches(string text)
    {
        if (_regex is null) yield break;
        for (var m = _regex.Match(text); m.Success; m = m.NextMatch())
        {
            var t = m.Groups["t"];
            yield return new Match(m.Index, m.Index + m.Length, t.Index, t.Length, t.Value);
        }
    }
}
