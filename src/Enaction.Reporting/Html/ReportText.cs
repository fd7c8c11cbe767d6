using System.Globalization;
using System.Net;

namespace Enaction.Reporting.Html;

/// <summary>How the HTML pages write text and numbers: every piece of transcript text goes through <see cref="Encode"/>.</summary>
internal static class ReportText
{
    /// <summary>HTML-encodes <paramref name="s"/> (null is empty).</summary>
    public static string Encode(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);

    /// <summary>A number in invariant culture, or "n/a" when it is not finite.</summary>
    public static string Number(double v, string format = "0.###") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A token's text in quotes with newlines and tabs shown as escapes (for tooltips).</summary>
    public static string Visible(string text) => "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
