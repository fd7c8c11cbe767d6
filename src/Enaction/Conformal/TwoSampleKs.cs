namespace Enaction.Conformal;

/// <summary>
/// The two-sample Kolmogorov-Smirnov test: the largest gap D between two empirical distribution functions, and its
/// asymptotic p-value from the Kolmogorov distribution with the effective size n·m/(n + m) (Stephens' small-sample
/// correction). Used to say when the recent own-turn scores no longer look like the reservoir.
/// </summary>
public static class TwoSampleKs
{
    /// <summary>D and its p-value for samples <paramref name="a"/> and <paramref name="b"/> (any order; neither empty).</summary>
    public static (double Statistic, double PValue) Test(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("Both samples need at least one score.");
        var x = a.ToArray();
        var y = b.ToArray();
        Array.Sort(x);
        Array.Sort(y);
        int i = 0, j = 0;
        double d = 0;
        while (i < x.Length && j < y.Length)
        {
            // Step past every copy of the smaller value in both samples, so ties move both functions together.
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] == v) i++;
            while (j < y.Length && y[j] == v) j++;
            d = Math.Max(d, Math.Abs((double)i / x.Length - (double)j / y.Length));
        }
        var effective = (double)x.Length * y.Length / (x.Length + y.Length);
        var root = Math.Sqrt(effective);
        return (d, Kolmogorov((root + 0.12 + 0.11 / root) * d));
    }

    /// <summary>P(K &gt; lambda) for the Kolmogorov distribution: 2 Σ (-1)^(j-1) exp(-2 j² λ²).</summary>
    private static double Kolmogorov(double lambda)
    {
        if (lambda < 0.2) return 1;
        double sum = 0, sign = 1;
        for (var j = 1; j <= 100; j++)
        {
            var term = sign * Math.Exp(-2 * j * j * lambda * lambda);
            sum += term;
            if (Math.Abs(term) < 1e-12 * Math.Abs(sum)) break;
            sign = -sign;
        }
        return Math.Clamp(2 * sum, 0, 1);
    }
}
