using System.Globalization;

namespace Enaction.Reporting.Html;

/// <summary>How the HTML pages write text and numbers: every piece of transcript text goes through <see cref="Encode"/>.</summary>
internal static class ReportText
{
    /// <summary>HTML-encodes <paramref name="s"/> for an attribute or a heading (null is empty); hidden characters become visible marks.</summary>
    public static string Encode(string? s) => VisibleText.Attribute(s);

    /// <summary>HTML-encodes transcript text for the page body; bidi and other hidden characters become labelled marks.</summary>
    public static string Text(string? s) => VisibleText.Html(s);

    /// <summary>A number in invariant culture, or "n/a" when it is not finite.</summary>
    public static string Number(double v, string format = "0.###") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A token's text in quotes with newlines and tabs shown as escapes (for tooltips).</summary>
    public static string Visible(string text) => "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
