namespace Enaction.Conformal;

/// <summary>An off-policy threshold set from the model's own turns (<see cref="ConformalQuantile"/>).</summary>
/// <param name="Value">The threshold: a turn scoring at or above it is off-policy (the next double above <see cref="OrderStatistic"/>).</param>
/// <param name="OrderStatistic">The k-th smallest own score.</param>
/// <param name="SampleSize">n, the own scores it was computed from.</param>
/// <param name="Rank">k = ceil((n + 1)(1 - target)).</param>
/// <param name="TargetFpr">The target false-positive rate alpha.</param>
public sealed record ConformalThreshold(double Value, double OrderStatistic, int SampleSize, int Rank, double TargetFpr)
{
    /// <summary>
    /// The false-positive rate on a new own turn exchangeable with the sample, averaged over samples:
    /// (n + 1 - k) / (n + 1), at most the target and more than the target - 1/(n + 1) (ties only lower it).
    /// </summary>
    public double ExpectedFpr => (double)(SampleSize + 1 - Rank) / (SampleSize + 1);

    /// <summary>
    /// The standard deviation of the false-positive rate given this one sample: it is Beta(n + 1 - k, k) distributed over
    /// samples, so a single reservoir's threshold lands above or below the target by about this much.
    /// </summary>
    public double SampleSpread
    {
        get
        {
            double a = SampleSize + 1 - Rank, b = Rank;
            return Math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        }
    }
}
