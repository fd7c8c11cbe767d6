using System.Collections.Immutable;

namespace Enaction.Evaluation;

/// <summary>
/// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) on
/// standardised features. Deterministic: the same data give the same model bit for bit.
/// </summary>
[System.Diagnostics.CodeAnalysis.Experimental(Experimental.ResearchGrade)]
public static class LogisticRegression
{
    /// <summary>How to fit.</summary>
    /// <param name="L2">Penalty on the squared weights of standardised features (the bias is not penalised).</param>
    /// <param name="BalanceClasses">Weigh each class to the same total, so the rarer class counts as much.</param>
    /// <param name="MaxIterations">Newton steps at most.</param>
    /// <param name="Tolerance">Stop when no parameter moves by more than this.</param>
    public sealed record Options(double L2 = 1.0, bool BalanceClasses = true, int MaxIterations = 100, double Tolerance = 1e-10);

    /// <summary>
    /// Fits a model to rows <paramref name="x"/> (all of one length; NaN marks a missing value) with labels
    /// <paramref name="y"/> (false = negative, true = positive).
    /// </summary>
    public static LogisticModel Fit(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        options ??= new Options();
        if (!(options.L2 >= 0)) throw new ArgumentOutOfRangeException(nameof(options), options.L2, "L2 must be zero or positive");
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} rows but {y.Count} labels", nameof(y));
        if (x.Count == 0) throw new ArgumentException("no rows to fit", nameof(x));
        var d = x[0].Length;
        foreach (var row in x)
            if (row.Length != d) throw new ArgumentException($"rows have different lengths ({d} and {row.Length})", nameof(x));
        var positives = y.Count(v => v);
        var negatives = y.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("both classes are needed to fit", nameof(y));

        // Standardise: mean and population standard deviation over the values present.
        var means = new double[d];
        var scales = new double[d];
        for (var j = 0; j < d; j++)
        {
            double sum = 0, sum2 = 0;
            var n = 0;
            foreach (var row in x)
            {
                if (double.IsNaN(row[j]) || double.IsInfinity(row[j])) continue;
                sum += row[j]; sum2 += row[j] * row[j]; n++;
            }
            means[j] = n > 0 ? sum / n : 0;
            var sd = n > 1 ? Math.Sqrt(Math.Max(0, sum2 / n - means[j] * means[j])) : 0;
            scales[j] = sd > 1e-12 ? sd : 1;
        }
        var m = x.Count;
        var z = new double[m, d];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < d; j++)
            {
                var v = x[i][j];
                z[i, j] = double.IsNaN(v) ? 0 : Math.Clamp((v - means[j]) / scales[j], -50, 50);
            }

        var sampleWeight = new double[m];
        for (var i = 0; i < m; i++)
            sampleWeight[i] = !options.BalanceClasses ? 1 : y[i] ? m / (2.0 * positives) : m / (2.0 * negatives);

        // Parameters: theta[0] = bias, theta[1..d] = weights.
        var p = d + 1;
        var theta = new double[p];
        var gradient = new double[p];
        var hessian = new double[p, p];
        var iterations = 0;
        for (; iterations < options.MaxIterations; iterations++)
        {
            Array.Clear(gradient);
            Array.Clear(hessian);
            for (var i = 0; i < m; i++)
            {
                var eta = theta[0];
                for (var j = 0; j < d; j++) eta += theta[j + 1] * z[i, j];
                var prob = 1 / (1 + Math.Exp(-eta));
                var residual = sampleWeight[i] * (prob - (y[i] ? 1 : 0));
                var w = sampleWeight[i] * Math.Max(prob * (1 - prob), 1e-12);
                for (var a = 0; a < p; a++)
                {
                    var za = a == 0 ? 1 : z[i, a - 1];
                    gradient[a] += residual * za;
                    for (var b = 0; b <= a; b++)
                        hessian[a, b] += w * za * (b == 0 ? 1 : z[i, b - 1]);
                }
            }
            for (var a = 1; a < p; a++)
            {
                gradient[a] += options.L2 * theta[a];
                hessian[a, a] += options.L2;
            }
            hessian[0, 0] += 1e-9; // keeps the system solvable when the classes separate perfectly and L2 is 0
            for (var a = 0; a < p; a++)
                for (var b = a + 1; b < p; b++) hessian[a, b] = hessian[b, a];

            var step = Solve(hessian, gradient);
            var largest = 0.0;
            for (var a = 0; a < p; a++)
            {
                theta[a] -= step[a];
                largest = Math.Max(largest, Math.Abs(step[a]));
            }
            if (largest < options.Tolerance) { iterations++; break; }
        }
        return new LogisticModel([.. means], [.. scales], [.. theta.AsSpan(1).ToArray()], theta[0], iterations);
    }

    /// <summary>Solves A·s = b by Gaussian elimination with partial pivoting (A is small and symmetric positive definite).</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var r = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var i = c + 1; i < n; i++)
                if (Math.Abs(m[i, c]) > Math.Abs(m[pivot, c])) pivot = i;
            if (pivot != c)
            {
                for (var k = 0; k < n; k++) (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
                (r[c], r[pivot]) = (r[pivot], r[c]);
            }
            var diag = m[c, c];
            if (Math.Abs(diag) < 1e-300) throw new InvalidOperationException("the Newton system is singular");
            for (var i = c + 1; i < n; i++)
            {
                var f = m[i, c] / diag;
                if (f == 0) continue;
                for (var k = c; k < n; k++) m[i, k] -= f * m[c, k];
                r[i] -= f * r[c];
            }
        }
        var s = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var acc = r[i];
            for (var k = i + 1; k < n; k++) acc -= m[i, k] * s[k];
            s[i] = acc / m[i, i];
        }
        return s;
    }
}
