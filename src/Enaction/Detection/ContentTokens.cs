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
}
