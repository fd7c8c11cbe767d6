using System.Globalization;
using System.Net;
using System.Text;

namespace Enaction.Reporting.Html;

/// <summary>
/// HTML-encodes text so that nothing in it acts unseen: bidirectional controls (U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C), zero-width and other format characters (Unicode category Cf, tag characters included),
/// control characters other than tab and line breaks, line and paragraph separators, Hangul fillers and unpaired
/// surrogates are replaced by a visible, labelled mark. Without this a U+202E in a file name or an account number
/// makes the report display it reversed, and zero-width or tag characters hide text a reviewer should see.
/// </summary>
internal static class VisibleText
{
    /// <summary>Element text: each hidden character becomes <c>&lt;span class="ctl" title="U+202E RIGHT-TO-LEFT OVERRIDE ..."&gt;RLO&lt;/span&gt;</c>.</summary>
    public static string Html(string? text) => Encode(text, element: true);

    /// <summary>Attribute values (titles, data attributes the script shows): each hidden character becomes <c>⟨RLO⟩</c>.</summary>
    public static string Attribute(string? text) => Encode(text, element: false);

    private static string Encode(string? text, bool element)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        StringBuilder? html = null;
        var visibleFrom = 0;
        var span = text.AsSpan();
        for (var i = 0; i < span.Length;)
        {
            var status = Rune.DecodeFromUtf16(span[i..], out var rune, out var used);
            var codePoint = status == System.Buffers.OperationStatus.Done ? rune.Value : span[i];
            var mark = status == System.Buffers.OperationStatus.Done ? Describe(rune) : ("U+" + ((int)span[i]).ToString("X4", CultureInfo.InvariantCulture), "unpaired surrogate");
            if (used == 0) used = 1;
            if (mark is { } m)
            {
                html ??= new StringBuilder(text.Length + 32);
                html.Append(WebUtility.HtmlEncode(text[visibleFrom..i]));
                var code = "U+" + codePoint.ToString(codePoint > 0xFFFF ? "X5" : "X4", CultureInfo.InvariantCulture);
                if (element)
                    html.Append("<span class=\"ctl\" data-ctl=\"").Append(code).Append("\" title=\"").Append(code).Append(' ')
                        .Append(WebUtility.HtmlEncode(m.Name)).Append(": an invisible character, shown instead of applied\">")
                        .Append(WebUtility.HtmlEncode(m.Label)).Append("</span>");
                else
                    html.Append('⟨').Append(WebUtility.HtmlEncode(m.Label)).Append('⟩');
                visibleFrom = i + used;
            }
            i += used;
        }
        if (html is null) return WebUtility.HtmlEncode(text);
        return html.Append(WebUtility.HtmlEncode(text[visibleFrom..])).ToString();
    }

    /// <summary>The label and name of a character that must be shown, or null for ordinary visible text.</summary>
    private static (string Label, string Name)? Describe(Rune rune) => rune.Value switch
    {
        '\t' or '\n' or '\r' => null,
        0x202A => ("LRE", "LEFT-TO-RIGHT EMBEDDING"),
        0x202B => ("RLE", "RIGHT-TO-LEFT EMBEDDING"),
        0x202C => ("PDF", "POP DIRECTIONAL FORMATTING"),
        0x202D => ("LRO", "LEFT-TO-RIGHT OVERRIDE"),
        0x202E => ("RLO", "RIGHT-TO-LEFT OVERRIDE"),
        0x2066 => ("LRI", "LEFT-TO-RIGHT ISOLATE"),
        0x2067 => ("RLI", "RIGHT-TO-LEFT ISOLATE"),
        0x2068 => ("FSI", "FIRST STRONG ISOLATE"),
        0x2069 => ("PDI", "POP DIRECTIONAL ISOLATE"),
        0x200E => ("LRM", "LEFT-TO-RIGHT MARK"),
        0x200F => ("RLM", "RIGHT-TO-LEFT MARK"),
        0x061C => ("ALM", "ARABIC LETTER MARK"),
        0x200B => ("ZWSP", "ZERO WIDTH SPACE"),
        0x200C => ("ZWNJ", "ZERO WIDTH NON-JOINER"),
        0x200D => ("ZWJ", "ZERO WIDTH JOINER"),
        0x2060 => ("WJ", "WORD JOINER"),
        0xFEFF => ("ZWNBSP", "ZERO WIDTH NO-BREAK SPACE"),
        0x00AD => ("SHY", "SOFT HYPHEN"),
        0x2028 => ("LSEP", "LINE SEPARATOR"),
        0x2029 => ("PSEP", "PARAGRAPH SEPARATOR"),
        0x115F or 0x1160 or 0x3164 or 0xFFA0 => ("HF", "HANGUL FILLER"),
        >= 0xE0020 and <= 0xE007E => ("TAG " + (char)(rune.Value - 0xE0000), "TAG CHARACTER (hidden ASCII)"),
        _ => Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => ("U+" + rune.Value.ToString("X4", CultureInfo.InvariantCulture), "CONTROL CHARACTER"),
            UnicodeCategory.Format => ("U+" + rune.Value.ToString(rune.Value > 0xFFFF ? "X5" : "X4", CultureInfo.InvariantCulture), "FORMAT CHARACTER"),
            UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => ("U+" + rune.Value.ToString("X4", CultureInfo.InvariantCulture), "SEPARATOR"),
            _ => null,
        },
    };
}
