using System.Numerics;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// Reduces one row of logits to the statistics the detectors read, without keeping the row: entropy, surprisal and
/// rank of the observed token, and the variance of the log-probability (for analytic curvature).
/// </summary>
public static class LogitStatistics
{
    /// <summary>Statistics of one predicted distribution for one observed token.</summary>
    /// <param name="Entropy">Shannon entropy in nats.</param>
    /// <param name="Surprisal">-ln p(target).</param>
    /// <param name="Rank">1 + the number of tokens with a strictly higher logit.</param>
    /// <param name="LogProbVariance">Var[ln p] under the distribution itself.</param>
    public readonly record struct Result(float Entropy, float Surprisal, int Rank, float LogProbVariance)
    {
        /// <summary>The probability of every token with a strictly higher logit than the target (see <c>TokenScore.MassAbove</c>).</summary>
        public float MassAbove { get; init; }
    }

    /// <summary>
    /// Computes the statistics of softmax(<paramref name="logits"/>) for <paramref name="target"/>.
    /// <paramref name="scratch"/> must be at least as long as <paramref name="logits"/> and twice that for the variance pass.
    /// </summary>
    // Per-token hot path: compile fully optimised from the first call instead of tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Result Compute(ReadOnlySpan<float> logits, int target, Span<float> scratch)
    {
        var n = logits.Length;
        if ((uint)target >= (uint)n) throw new ArgumentOutOfRangeException(nameof(target), target, $"token id outside the vocabulary of {n}");
        if (scratch.Length < 2 * n) throw new ArgumentException("scratch must hold twice the vocabulary", nameof(scratch));
        var shifted = scratch[..n];
        var weights = scratch.Slice(n, n);

        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, shifted);          // x' = x - max  (<= 0)
        TensorPrimitives.Exp(shifted, weights);                   // e^{x'}
        double sum = TensorPrimitives.Sum<float>(weights);
        double first = TensorPrimitives.Dot<float>(weights, shifted);   // sum e^{x'} x'
        TensorPrimitives.Multiply(shifted, shifted, shifted);     // x'^2, in place
        // weights still holds e^{x'}; shifted now holds x'^2.
        double second = TensorPrimitives.Dot<float>(weights, shifted);  // sum e^{x'} x'^2

        var logSum = Math.Log(sum);
        var meanShifted = first / sum;                            // E[x']
        var entropy = logSum - meanShifted;                       // H = ln s - E[x']
        var variance = Math.Max(0, second / sum - meanShifted * meanShifted);
        var surprisal = logSum - (logits[target] - max);
        var (rank, above) = RankAndMassAbove(logits, weights, target);
        return new Result((float)entropy, (float)surprisal, rank, (float)variance) { MassAbove = (float)Math.Min(1, above / sum) };
    }

    /// <summary>
    /// 1 + the number of logits strictly greater than the target's, and the sum of <paramref name="weights"/> over them
    /// (one pass; <paramref name="weights"/> are e^(logit - max)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Rank, double Above) RankAndMassAbove(ReadOnlySpan<float> logits, ReadOnlySpan<float> weights, int target)
    {
        var value = logits[target];
        var greater = 0;
        double above = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= Vector<float>.Count)
        {
            var threshold = new Vector<float>(value);
            var counts = Vector<int>.Zero;
            var sums = Vector<float>.Zero;
            var last = logits.Length - Vector<float>.Count;
            for (; i <= last; i += Vector<float>.Count)
            {
                var mask = Vector.GreaterThan(new Vector<float>(logits.Slice(i, Vector<float>.Count)), threshold);
                counts -= mask; // true lanes are -1
                sums += Vector.ConditionalSelect(mask, new Vector<float>(weights.Slice(i, Vector<float>.Count)), Vector<float>.Zero);
            }
            greater = Vector.Sum(counts);
            above = Vector.Sum(sums);
        }
        for (; i < logits.Length; i++)
            if (logits[i] > value) { greater++; above += weights[i]; }
        return (greater + 1, above);
    }

    /// <summary>1 + the number of logits strictly greater than the target's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int RankOf(ReadOnlySpan<float> logits, int target)
    {
        var value = logits[target];
        var greater = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= Vector<float>.Count)
        {
            var threshold = new Vector<float>(value);
            var counts = Vector<int>.Zero;
            var last = logits.Length - Vector<float>.Count;
            for (; i <= last; i += Vector<float>.Count)
            {
                var v = new Vector<float>(logits.Slice(i, Vector<float>.Count));
                counts -= Vector.GreaterThan(v, threshold); // true lanes are -1
            }
            greater = Vector.Sum(counts);
        }
        for (; i < logits.Length; i++)
            if (logits[i] > value) greater++;
        return greater + 1;
    }
}
