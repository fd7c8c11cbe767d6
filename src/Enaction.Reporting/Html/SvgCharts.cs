using System.Globalization;
using System.Net;
using System.Text;
using Enaction.Detection;

namespace Enaction.Reporting.Html;

/// <summary>The report's inline SVG charts, drawn on the server side so they show without script.</summary>
internal static class SvgCharts
{
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string E(string s) => VisibleText.Attribute(s);

    /// <summary>One point of the per-message chart.</summary>
    public readonly record struct MessagePoint(int Message, string Role, double Entropy, double Surprisal, string? Severity);

    /// <summary>Mean entropy (solid) and surprisal (dashed) per message, with the messages that have findings marked.</summary>
    public static string Conversation(IReadOnlyList<MessagePoint> points, string label)
    {
        const int width = 720, height = 190, left = 44, right = 14, top = 14, bottom = 34;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        // The axis spans the values (not zero to the top), so a drift of half a nat between turns stays visible.
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var p in points)
        {
            foreach (var v in (ReadOnlySpan<double>)[p.Entropy, p.Surprisal])
            {
                if (!double.IsFinite(v)) continue;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        if (!double.IsFinite(min)) (min, max) = (0, 1);
        var low = Math.Max(0, Math.Floor(min - 0.25));
        var step = Math.Max(0.25, Math.Ceiling((max - low) * 1.05 / 4 * 4) / 4);
        max = low + 4 * step;
        double X(int i) => left + (points.Count <= 1 ? plotW / 2.0 : plotW * i / (double)(points.Count - 1));
        double Y(double v) => top + plotH * (1 - (v - low) / (max - low));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"entropy\" role=\"img\" aria-label=\"{E(label)}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">");
        for (var g = 0; g <= 4; g++)
        {
            var v = low + step * g;
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{left}\" x2=\"{width - right}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{F(v)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{left}\" x2=\"{width - right}\" y1=\"{top + plotH}\" y2=\"{top + plotH}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 4}\">message (turn in the conversation) →</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right}\" y=\"{height - 4}\" text-anchor=\"end\">nats · ─ entropy  ┄ surprisal</text>");
        Series(svg, points, p => p.Entropy, "ent", "entropy", X, Y);
        Series(svg, points, p => p.Surprisal, "sur", "surprisal", X, Y);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var x = F(X(i));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">{p.Message}</text>");
            if (!double.IsFinite(p.Entropy)) continue;
            var color = p.Role switch { "assistant" => "#6366f1", "user" => "#10b981", "tool" => "#f59e0b", _ => "#94a3b8" };
            var tip = string.Create(CultureInfo.InvariantCulture, $"message {p.Message} ({p.Role})\nmean entropy {p.Entropy:0.###} nats\nmean surprisal {p.Surprisal:0.###} nats");
            if (p.Severity is not null) tip += $"\nfindings: strongest {p.Severity}";
            svg.Append(CultureInfo.InvariantCulture, $"<circle data-point=\"{p.Message}\" data-entropy=\"{F(p.Entropy)}\" cx=\"{x}\" cy=\"{F(Y(p.Entropy))}\" r=\"4.5\" fill=\"{color}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{E(tip)}</title></circle>");
            if (p.Severity is not null)
            {
                var sx = X(i);
                var sy = top + 2.0;
                var fill = p.Severity switch { "high" => "#dc2626", "medium" => "#d97706", _ => "#64748b" };
                svg.Append(CultureInfo.InvariantCulture, $"<path data-finding-marker=\"{p.Message}\" d=\"M{F(sx - 5)} {F(sy)} L{F(sx + 5)} {F(sy)} L{F(sx)} {F(sy + 8)} Z\" fill=\"{fill}\"/>");
            }
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Series(StringBuilder svg, IReadOnlyList<MessagePoint> points, Func<MessagePoint, double> value, string css, string name,
        Func<int, double> x, Func<double, double> y)
    {
        var coords = new StringBuilder();
        for (var i = 0; i < points.Count; i++)
        {
            var v = value(points[i]);
            if (!double.IsFinite(v)) continue;
            coords.Append(F(x(i))).Append(',').Append(F(y(v))).Append(' ');
        }
        if (coords.Length > 0) svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"{css}\" data-series=\"{name}\" points=\"{coords.ToString().TrimEnd()}\"/>");
    }

    /// <summary>A detector's ROC curve from calibration, the chance diagonal and the chosen threshold's point.</summary>
    public static string Roc(string detector, DetectorReport report)
    {
        const int size = 260, pad = 46, plot = size - pad - 12;
        double X(double fpr) => pad + plot * Math.Clamp(fpr, 0, 1);
        double Y(double tpr) => 12 + plot * (1 - Math.Clamp(tpr, 0, 1));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"roc\" data-detector=\"{E(detector)}\" role=\"img\" aria-label=\"ROC curve of {E(detector)}\" viewBox=\"0 0 {size} {size}\" width=\"{size}\" height=\"{size}\">");
        for (var g = 0; g <= 4; g++)
        {
            var v = g / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{F(X(0))}\" x2=\"{F(X(1))}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\"/><line class=\"grid\" y1=\"{F(Y(0))}\" y2=\"{F(Y(1))}\" x1=\"{F(X(v))}\" x2=\"{F(X(v))}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(v))}\" y=\"{F(Y(0) + 13)}\" text-anchor=\"middle\">{F(v)}</text><text x=\"{pad - 5}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{F(v)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"chance\" x1=\"{F(X(0))}\" y1=\"{F(Y(0))}\" x2=\"{F(X(1))}\" y2=\"{F(Y(1))}\"/>");
        var roc = report.Roc.Where(p => p.Length >= 2 && double.IsFinite(p[0]) && double.IsFinite(p[1]))
            .Select(p => (Fpr: p[0], Tpr: p[1])).OrderBy(p => p.Fpr).ThenBy(p => p.Tpr).ToList();
        if (roc.Count > 0)
        {
            var coords = string.Join(' ', roc.Select(p => F(X(p.Fpr)) + "," + F(Y(p.Tpr))));
            // Closed along the bottom edge so the area under the curve is shaded.
            svg.Append(CultureInfo.InvariantCulture, $"<polygon class=\"roc-line\" data-series=\"roc\" data-points=\"{roc.Count}\" points=\"{F(X(roc[0].Fpr))},{F(Y(0))} {coords} {F(X(roc[^1].Fpr))},{F(Y(0))}\"/>");
        }
        var tip = string.Create(CultureInfo.InvariantCulture, $"threshold {report.Threshold:0.###}\nTPR {report.Tpr:0.###} at FPR {report.Fpr:0.###}");
        svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"chosen\" data-threshold=\"{F(report.Threshold)}\" cx=\"{F(X(report.Fpr))}\" cy=\"{F(Y(report.Tpr))}\" r=\"6\"><title>{E(tip)}</title></circle>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(1))}\" y=\"{F(Y(0.08))}\" text-anchor=\"end\">AUROC {report.Auroc:0.000}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(0.5))}\" y=\"{size - 2}\" text-anchor=\"middle\">false-positive rate</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"rotate(-90)\" x=\"{F(-Y(0.5))}\" y=\"11\" text-anchor=\"middle\">true-positive rate</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }
}
