namespace Enaction.Policies;

/// <summary>
/// Matches agent and function names against patterns where <c>*</c> stands for any run of characters (including
/// none). Comparison ignores case (invariant), since hosts spell agent names inconsistently.
/// </summary>
internal static class NameGlob
{
    public static bool IsMatch(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(name[n]))
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public static bool MatchesAny(IReadOnlyList<string> patterns, string? name)
    {
        for (var i = 0; i < patterns.Count; i++)
            if (IsMatch(patterns[i], name ?? string.Empty)) return true;
        return false;
    }
}
