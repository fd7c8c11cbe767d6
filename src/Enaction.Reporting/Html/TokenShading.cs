using System.Globalization;

namespace Enaction.Reporting.Html;

/// <summary>How the pages shade a token by its entropy or surprisal: an opacity between 0.05 and 0.85 over a range.</summary>
internal static class TokenShading
{
    /// <summary>
    /// The range to shade over: the 5th to 95th percentile of <paramref name="values"/> (sorted in place), so extreme
    /// tokens do not wash out the rest, and a model whose entropy is high everywhere still shows where it is higher.
    /// </summary>
    public static (double Low, double High) Range(List<double> values)
    {
        if (values.Count == 0) return (0, 1);
        values.Sort();
        double At(double q) => values[(int)Math.Round(q * (values.Count - 1))];
        var (low, high) = values.Count < 20 ? (0.0, values[^1]) : (At(0.05), At(0.95));
        return high - low > 1e-6 ? (low, high) : (0, Math.Max(high, 1));
    }

    /// <summary>The opacity for <paramref name="value"/> over <paramref name="range"/>, as CSS reads it ("0" when not finite).</summary>
    public static string Shade(double value, (double Low, double High) range) =>
        double.IsFinite(value)
            ? Math.Clamp(0.05 + 0.8 * (value - range.Low) / (range.High - range.Low), 0.05, 0.85).ToString("0.###", CultureInfo.InvariantCulture)
            : "0";
}
