namespace Enaction.Scoring;

/// <summary>Where a token's entropy lies when only the top-k log-probabilities of its position are known (nats; NaN for a token with no prediction).</summary>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
public readonly record struct EntropyInterval(float Lower, float Upper)
{
    /// <summary>True when <paramref name="entropy"/> lies in the interval, widened by <paramref name="tolerance"/> on each side.</summary>
    public bool Contains(double entropy, double tolerance = 0) => entropy >= Lower - tolerance && entropy <= Upper + tolerance;
}
