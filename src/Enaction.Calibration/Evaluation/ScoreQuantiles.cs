using System.Collections.Immutable;

namespace Enaction.Evaluation;

/// <summary>Quantiles of a sample, interpolated linearly between order statistics (R's type 7, NumPy's default).</summary>
public static class ScoreQuantiles
{
    /// <summary>The levels calibration reports use: 0, 5, 25, 50, 75, 95 and 100%.</summary>
    public static ImmutableArray<double> ReportLevels { get; } = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1];

    /// <summary>Every whole percentile, 0 to 100% (101 levels): the own-turn score distribution calibration files keep.</summary>
    public static ImmutableArray<double> PercentileLevels { get; } = [.. Enumerable.Range(0, 101).Select(p => p / 100.0)];

    /// <summary>The quantile of <paramref name="values"/> at <paramref name="level"/> in [0, 1]; NaN for an empty sample.</summary>
    public static double Of(IReadOnlyList<double> values, double level) => Of(values, [level])[0];

    /// <summary>Quantiles of <paramref name="values"/> at each of <paramref name="levels"/>; NaN values are left out.</summary>
    public static ImmutableArray<double> Of(IEnumerable<double> values, IReadOnlyList<double> levels)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(levels);
        var sorted = values.Where(v => !double.IsNaN(v)).ToArray();
        Array.Sort(sorted);
        var result = ImmutableArray.CreateBuilder<double>(levels.Count);
        foreach (var level in levels)
        {
            if (!(level >= 0 && level <= 1)) throw new ArgumentOutOfRangeException(nameof(levels), level, "quantile levels must be in [0, 1]");
            if (sorted.Length == 0) { result.Add(double.NaN); continue; }
            var h = (sorted.Length - 1) * level;
            var lo = (int)Math.Floor(h);
            var hi = Math.Min(lo + 1, sorted.Length - 1);
            result.Add(sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]));
        }
        return result.MoveToImmutable();
    }
}
