using System.Text;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Adapts split patterns written for Oniguruma (HF tokenizers) or Python's <c>regex</c> (tiktoken) to .NET:
/// possessive quantifiers (<c>x?+</c>, <c>x*+</c>, <c>x++</c>, <c>x{n,m}+</c>), which .NET lacks, become atomic
/// groups (<c>(?&gt;x?)</c>), which match the same strings.
/// </summary>
internal static class RegexDialect
{
    public static string ToDotNet(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var atomStart = -1; // where the last complete atom starts in output
        var groupStarts = new Stack<int>();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                var start = output.Length;
                var length = EscapeLength(pattern, i);
                output.Append(pattern, i, length);
                i += length;
                atomStart = start;
            }
            else if (c == '[')
            {
                var start = output.Length;
                var end = ClassEnd(pattern, i);
                output.Append(pattern, i, end - i);
                i = end;
                atomStart = start;
            }
            else if (c == '(')
            {
                groupStarts.Push(output.Length);
                output.Append(c);
                i++;
                atomStart = -1;
            }
            else if (c == ')')
            {
                output.Append(c);
                i++;
                atomStart = groupStarts.Count > 0 ? groupStarts.Pop() : -1;
            }
            else if (c is '?' or '*' or '+' or '{')
            {
                var length = c == '{' ? QuantifierLength(pattern, i) : 1;
                if (length == 0)
                {
                    output.Append(c); // a literal '{'
                    i++;
                    atomStart = output.Length - 1;
                    continue;
                }
                output.Append(pattern, i, length);
                i += length;
                if (i < pattern.Length && pattern[i] == '+' && atomStart >= 0)
                {
                    output.Insert(atomStart, "(?>").Append(')');
                    i++;
                }
                else if (i < pattern.Length && pattern[i] == '?')
                {
                    output.Append('?'); // lazy quantifier
                    i++;
                }
                atomStart = -1;
            }
            else
            {
                atomStart = output.Length;
                output.Append(c);
                i++;
            }
        }
        return output.ToString();
    }

    private static int EscapeLength(string p, int i)
    {
        if (i + 1 >= p.Length) return 1;
        var next = p[i + 1];
        if ((next is 'p' or 'P') && i + 2 < p.Length && p[i + 2] == '{')
        {
            var close = p.IndexOf('}', i + 3);
            return close < 0 ? p.Length - i : close - i + 1;
        }
        return 2;
    }

    private static int ClassEnd(string p, int i)
    {
        var j = i + 1;
        if (j < p.Length && p[j] == '^') j++;
        if (j < p.Length && p[j] == ']') j++; // a leading ']' is literal
        while (j < p.Length && p[j] != ']')
        {
            if (p[j] == '\\') j += EscapeLength(p, j);
            else if (p[j] == '[') j = ClassEnd(p, j);
            else j++;
        }
        return Math.Min(j + 1, p.Length);
    }

    /// <summary>Length of a <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> quantifier at <paramref name="i"/>, or 0 when it is a literal brace.</summary>
    private static int QuantifierLength(string p, int i)
    {
        var j = i + 1;
        var digits = 0;
        while (j < p.Length && char.IsAsciiDigit(p[j])) { j++; digits++; }
        if (digits == 0) return 0;
        if (j < p.Length && p[j] == ',')
        {
            j++;
            while (j < p.Length && char.IsAsciiDigit(p[j])) j++;
        }
        return j < p.Length && p[j] == '}' ? j - i + 1 : 0;
    }
}
