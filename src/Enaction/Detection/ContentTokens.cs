using Enaction.Scoring;

namespace Enaction.Detection;

/// <summary>Which tokens carry content (a letter or digit) rather than formatting, whitespace or punctuation.</summary>
public static class ContentTokens
{
    /// <summary>True when the token's text has a letter or digit.</summary>
    public static bool IsContent(in TokenScore token)
    {
        foreach (var c in token.Text)
            if (char.IsLetterOrDigit(c)) return true;
        return false;
    }

    /// <summary>
    /// True when the token at characters [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="content"/>
    /// holds U+FFFD, the replacement character. Such a token is not one the generator sampled: a partial UTF-8 character
    /// it wrote came back as U+FFFD when its bytes were decoded, and re-encoding U+FFFD gives bytes the model never
    /// chose, far outside its distribution. The signature's statistics skip them (measured: the bundled model's own
    /// turns with one scored like someone else's, docs/quality.md); the rest of the turn is judged as usual.
    /// </summary>
    public static bool IsReplaced(string content, int start, int end) =>
        start >= 0 && start < end && end <= content.Length && content.AsSpan(start, end - start).Contains('\uFFFD');
}
