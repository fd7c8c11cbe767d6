using System.Text;

namespace Enaction.Reporting.Html;

/// <summary>
/// What the HTML pages share while writing: the buffer, the entropy and surprisal ranges the token shading spans,
/// and the one way text and numbers reach the page (<see cref="ReportText"/>: hidden characters become visible marks).
/// </summary>
internal abstract class PageBuilder
{
    private protected readonly StringBuilder _html = new();
    private protected (double Low, double High) _h = (0, 1), _s = (0, 1);

    private protected static string E(string? s) => ReportText.Encode(s);
    private protected static string N(double v, string format = "0.###") => ReportText.Number(v, format);

    /// <summary>A statistic that may be missing (a recorded finding's score): missing reads as NaN does.</summary>
    private protected static string N(double? v, string format = "0.###") => ReportText.Number(v ?? double.NaN, format);
    private protected void W(string s) => _html.Append(s);
}
