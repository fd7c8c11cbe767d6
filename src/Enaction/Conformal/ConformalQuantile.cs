namespace Enaction.Conformal;

/// <summary>
/// Split-conformal thresholds. With n scores of the model's own turns and a new own turn exchangeable with them (any
/// order of the n + 1 equally likely), the new score exceeds the k-th smallest of the n, k = ceil((n + 1)(1 - alpha)),
/// with probability exactly (n + 1 - k) / (n + 1) when scores do not tie: at most alpha and more than alpha - 1/(n + 1).
/// The threshold is the next double above that order statistic, so a detector that flags <c>score &gt;= threshold</c>
/// flags exactly the scores above it.
/// </summary>
public static class ConformalQuantile
{
    /// <summary>The rank k = ceil((n + 1)(1 - alpha)); more than n when n is too small for alpha.</summary>
    public static int Rank(int n, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckAlpha(alpha);
        // A hair below the product first: (n + 1)(1 - alpha) is often a whole number that rounding lifts just past it.
        var product = (n + 1) * (1 - alpha);
        return (int)Math.Ceiling(product - 1e-12 * Math.Max(1, product));
    }

    /// <summary>The fewest scores that give <paramref name="alpha"/> a finite threshold (k &lt;= n): ceil(1/alpha - 1).</summary>
    public static int MinimumSample(double alpha)
    {
        CheckAlpha(alpha);
        var n = 1;
        while (Rank(n, alpha) > n) n++;
        return n;
    }

    /// <summary>
    /// The conformal threshold of <paramref name="scores"/> (any order) at <paramref name="alpha"/>, or null when there are
    /// too few scores for it (<see cref="MinimumSample"/>).
    /// </summary>
    public static ConformalThreshold? Threshold(IReadOnlyList<double> scores, double alpha)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var n = scores.Count;
        var k = Rank(n, alpha);
        if (n == 0 || k > n) return null;
        var sorted = new double[n];
        for (var i = 0; i < n; i++) sorted[i] = scores[i];
        Array.Sort(sorted);
        return new ConformalThreshold(Math.BitIncrement(sorted[k - 1]), sorted[k - 1], n, k, alpha);
    }

    private static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The target false-positive rate must be between 0 and 1.");
    }
}
