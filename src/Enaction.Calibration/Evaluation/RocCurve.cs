using System.Collections.Immutable;

namespace Enaction.Evaluation;

/// <summary>
/// The ROC curve of a score that should be larger for positives (off-policy) than for negatives (on-policy), with
/// its area. A sample counts as flagged when its score is at least the threshold.
/// </summary>
public sealed class RocCurve
{
    private readonly double[] _negatives; // sorted ascending
    private readonly double[] _positives; // sorted ascending

    private RocCurve(double[] negatives, double[] positives, ImmutableArray<RocPoint> points, double auroc)
    {
        _negatives = negatives;
        _positives = positives;
        Points = points;
        Auroc = auroc;
    }

    /// <summary>Number of negatives.</summary>
    public int Negatives => _negatives.Length;

    /// <summary>Number of positives.</summary>
    public int Positives => _positives.Length;

    /// <summary>
    /// Area under the curve: the Mann-Whitney probability that a random positive scores above a random negative, ties
    /// counting one half. NaN when either class is empty.
    /// </summary>
    public double Auroc { get; }

    /// <summary>The curve from (0,0) to (1,1), one point per distinct score (ties move both rates at once).</summary>
    public ImmutableArray<RocPoint> Points { get; }

    /// <summary>Computes the curve. Scores must be finite or infinite, never NaN.</summary>
    public static RocCurve Compute(IEnumerable<double> negatives, IEnumerable<double> positives)
    {
        ArgumentNullException.ThrowIfNull(negatives);
        ArgumentNullException.ThrowIfNull(positives);
        var neg = negatives.ToArray();
        var pos = positives.ToArray();
        foreach (var v in neg) if (double.IsNaN(v)) throw new ArgumentException("a negative score is NaN; leave out samples that have no score", nameof(negatives));
        foreach (var v in pos) if (double.IsNaN(v)) throw new ArgumentException("a positive score is NaN; leave out samples that have no score", nameof(positives));
        Array.Sort(neg);
        Array.Sort(pos);
        return new RocCurve(neg, pos, BuildPoints(neg, pos), MannWhitney(neg, pos));
    }

    /// <summary>
    /// The operating point for a false-positive budget: the smallest threshold at which the share of negatives
    /// scoring at or above it is at most <paramref name="targetFpr"/>, with the true- and false-positive rates there.
    /// When k = floor(targetFpr × negatives) negatives may be flagged, that is just above the (k+1)-th highest
    /// negative score.
    /// </summary>
    public OperatingPoint AtFpr(double targetFpr)
    {
        if (!(targetFpr >= 0 && targetFpr <= 1)) throw new ArgumentOutOfRangeException(nameof(targetFpr), targetFpr, "the target false-positive rate must be in [0, 1]");
        if (_negatives.Length == 0) throw new InvalidOperationException("no negatives: a threshold at a false-positive rate needs on-policy samples");
        var n = _negatives.Length;
        // Tolerance so that 0.01 × 300 counts as 3, not 2.9999999.
        var allowed = (int)Math.Floor(targetFpr * n + 1e-9);
        var threshold = allowed >= n ? double.NegativeInfinity : Math.BitIncrement(_negatives[n - 1 - allowed]);
        return At(threshold);
    }

    /// <summary>The rates at a given threshold (flagged when score ≥ threshold).</summary>
    public OperatingPoint At(double threshold)
    {
        var fp = _negatives.Length - LowerBound(_negatives, threshold);
        var tp = _positives.Length - LowerBound(_positives, threshold);
        return new OperatingPoint(threshold,
            _positives.Length == 0 ? double.NaN : (double)tp / _positives.Length,
            _negatives.Length == 0 ? double.NaN : (double)fp / _negatives.Length);
    }

    /// <summary>At most <paramref name="max"/> points of the curve, evenly spaced along it, ends kept (for reports).</summary>
    public ImmutableArray<RocPoint> Thinned(int max)
    {
        if (max < 2) throw new ArgumentOutOfRangeException(nameof(max), max, "keep at least the two end points");
        if (Points.Length <= max) return Points;
        var result = ImmutableArray.CreateBuilder<RocPoint>(max);
        for (var i = 0; i < max; i++)
            result.Add(Points[(int)Math.Round((double)i * (Points.Length - 1) / (max - 1))]);
        return result.MoveToImmutable();
    }

    private static double MannWhitney(double[] neg, double[] pos)
    {
        if (neg.Length == 0 || pos.Length == 0) return double.NaN;
        // For each positive: negatives strictly below count 1, equal ones one half.
        double sum = 0;
        foreach (var p in pos)
        {
            var below = LowerBound(neg, p);
            var equal = UpperBound(neg, p) - below;
            sum += below + 0.5 * equal;
        }
        return sum / ((double)neg.Length * pos.Length);
    }

    private static ImmutableArray<RocPoint> BuildPoints(double[] neg, double[] pos)
    {
        var points = ImmutableArray.CreateBuilder<RocPoint>();
        points.Add(new RocPoint(0, 0));
        int i = neg.Length - 1, j = pos.Length - 1; // walk both from the highest score down
        int fp = 0, tp = 0;
        while (i >= 0 || j >= 0)
        {
            var score = Math.Max(i >= 0 ? neg[i] : double.NegativeInfinity, j >= 0 ? pos[j] : double.NegativeInfinity);
            while (i >= 0 && neg[i] == score) { fp++; i--; }
            while (j >= 0 && pos[j] == score) { tp++; j--; }
            points.Add(new RocPoint(neg.Length == 0 ? 0 : (double)fp / neg.Length, pos.Length == 0 ? 0 : (double)tp / pos.Length));
            if (score == double.NegativeInfinity) break;
        }
        return points.ToImmutable();
    }

    /// <summary>First index whose value is ≥ <paramref name="value"/>.</summary>
    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First index whose value is &gt; <paramref name="value"/>.</summary>
    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
