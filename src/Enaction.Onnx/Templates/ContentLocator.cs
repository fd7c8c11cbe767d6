using System.Collections.Immutable;

namespace Enaction.Onnx.Templates;

/// <summary>
/// Finds where each message's content sits in a template's rendered text. Templates write content as it is or
/// stripped (Jinja's <c>trim</c>, Python's <c>strip</c>/<c>lstrip</c>/<c>rstrip</c>, of whitespace or of newlines
/// only), so each content is looked for in those forms, each a slice of the original content, which keeps offsets exact.
/// </summary>
internal static class ContentLocator
{
    /// <summary>
    /// Spans from the layout of a render with placeholders: the real text must be that render with each placeholder
    /// replaced by one form of its content. Null when it is not (the template treats the real content differently).
    /// </summary>
    public static ImmutableArray<MessageSpan>? ByLayout(string text, string layout, string[] placeholders, string[] contents)
    {
        // The placeholders in layout order (a template may drop or reorder messages).
        var found = new List<(int At, int Message)>();
        for (var i = 0; i < placeholders.Length; i++)
        {
            if (placeholders[i].Length == 0) continue;
            var at = layout.IndexOf(placeholders[i], StringComparison.Ordinal);
            if (at < 0) continue;
            if (layout.IndexOf(placeholders[i], at + 1, StringComparison.Ordinal) >= 0) return null; // written twice: ambiguous
            found.Add((at, i));
        }
        found.Sort((a, b) => a.At.CompareTo(b.At));

        var spans = ImmutableArray.CreateBuilder<MessageSpan>(found.Count);
        int layoutAt = 0, textAt = 0;
        for (var k = 0; k < found.Count; k++)
        {
            var (at, message) = found[k];
            var literal = layout.AsSpan(layoutAt, at - layoutAt);
            if (!text.AsSpan(textAt).StartsWith(literal, StringComparison.Ordinal)) return null;
            textAt += literal.Length;
            layoutAt = at + placeholders[message].Length;
            var nextLiteralEnd = k + 1 < found.Count ? found[k + 1].At : layout.Length;
            var following = layout.AsSpan(layoutAt, nextLiteralEnd - layoutAt);
            MessageSpan? span = null;
            foreach (var (from, length) in Forms(contents[message]))
            {
                var form = contents[message].AsSpan(from, length);
                var rest = text.AsSpan(textAt);
                if (!rest.StartsWith(form, StringComparison.Ordinal) || !rest[form.Length..].StartsWith(following, StringComparison.Ordinal)) continue;
                span = new MessageSpan(message, textAt, length, from);
                break;
            }
            if (span is null) return null;
            if (span.Length > 0) spans.Add(span);
            textAt = span.End;
        }
        return text.AsSpan(textAt).SequenceEqual(layout.AsSpan(layoutAt)) ? spans.ToImmutable() : null;
    }

    /// <summary>Spans found by searching for each content (in its forms) in message order, each after the previous one.</summary>
    public static ImmutableArray<MessageSpan> InOrder(string text, string[] contents)
    {
        var spans = ImmutableArray.CreateBuilder<MessageSpan>();
        var at = 0;
        for (var i = 0; i < contents.Length; i++)
        {
            if (contents[i].Length == 0) continue;
            foreach (var (from, length) in Forms(contents[i]))
            {
                if (length == 0) continue;
                var index = text.IndexOf(contents[i].Substring(from, length), at, StringComparison.Ordinal);
                if (index < 0) continue;
                spans.Add(new MessageSpan(i, index, length, from));
                at = index + length;
                break;
            }
        }
        return spans.ToImmutable();
    }

    /// <summary>The forms a template writes content in, as (start, length) slices of it, most faithful first.</summary>
    private static IEnumerable<(int From, int Length)> Forms(string content)
    {
        yield return (0, content.Length);
        foreach (Func<char, bool> strip in (Func<char, bool>[])[PythonText.IsSpace, c => c == '\n'])
        {
            var lead = 0;
            while (lead < content.Length && strip(content[lead])) lead++;
            var trail = content.Length;
            while (trail > lead && strip(content[trail - 1])) trail--;
            if (lead > 0 || trail < content.Length) yield return (lead, trail - lead);
            if (lead > 0) yield return (lead, content.Length - lead);
            var rtrail = content.Length;
            while (rtrail > 0 && strip(content[rtrail - 1])) rtrail--;
            if (rtrail < content.Length) yield return (0, rtrail);
        }
    }
}
