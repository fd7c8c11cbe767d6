namespace Enaction.Scoring;

/// <summary>
/// Token statistics from the top-k log-probabilities an engine returns at one position (OpenAI's <c>top_logprobs</c>,
/// at most 20; vLLM's <c>logprobs</c> / <c>prompt_logprobs</c>) instead of the full distribution: the entropy is not
/// known, but it is bounded by where the tail mass can lie.
/// </summary>
/// <remarks>
/// <para>
/// Notation: the known entries are the top-k probabilities p_1 ≥ … ≥ p_k (and the observed token's, when it lies
/// outside them and the engine reports it); u = p_k is the smallest top-k probability; m = 1 − Σ known is the tail
/// mass, spread over the R = V − (known count) other vocabulary entries q_1 … q_R, each 0 ≤ q_j ≤ u (they are not in
/// the top k) with Σ q_j = m. With f(x) = −x ln x, H = H_known + Σ f(q_j), H_known = Σ f(known).
/// </para>
/// <para>
/// <b>Upper bound</b>: H ≤ H_known + m ln(R / m) (the tail spread evenly over all R entries). Proof: f is concave, so
/// by Jensen (1/R) Σ f(q_j) ≤ f(m/R), i.e. Σ f(q_j) ≤ R f(m/R) = m ln(R/m). The even spread is allowed when m/R ≤ u,
/// which holds whenever the list really is the top k.
/// </para>
/// <para>
/// <b>Lower bound</b>: H ≥ H_known + ⌊m/u⌋ f(u) + f(r), r = m − ⌊m/u⌋ u (the tail packed into as few entries as the
/// cap u allows). Proof: Σ f(q_j) is concave in q, so its minimum over the polytope {0 ≤ q_j ≤ u, Σ q_j = m} is at a
/// vertex; a vertex of a box cut by one hyperplane has at most one coordinate strictly between its limits, so it has
/// ⌊m/u⌋ coordinates at u, one at r and the rest at 0, and every such vertex has the value above. It is at least
/// f(m) = −m ln m (the tail as one entry; f is subadditive), and equal to it when m ≤ u.
/// </para>
/// <para>
/// <b>Point estimate</b>: both bounds are the tail entropy of a tail made of equal entries q, m·(−ln q): q = u (lower,
/// up to the remainder) and q = m/R (upper). The estimate takes q as their geometric mean, √(u·m/R), which is the
/// midpoint of the two bounds. On the bundled models with k = 20 this is within the bounds by construction; the
/// measured errors are in the README ("Scoring from log-probabilities").
/// </para>
/// <para>
/// <b>Surprisal</b> is exact (−ln p) when the observed token is in the list or the engine reports its log-probability
/// (OpenAI always reports the sampled token's; vLLM's prompt log-probabilities always include the prompt token). When
/// it is neither, it lies in the tail: surprisal ≥ −ln min(u, m), with no finite upper bound; the point estimate is
/// −ln q of the tail model above.
/// </para>
/// <para>
/// The variance of ln p (Fast-DetectGPT's analytic curvature) is computed under the same tail model: the known entries
/// exactly, the tail as m at ln q.
/// </para>
/// </remarks>
public static class TopLogprobEntropy
{
    /// <summary>The most top log-probabilities OpenAI returns per position (<c>top_logprobs</c> ≤ 20), and vLLM's default <c>--max-logprobs</c>.</summary>
    public const int MaxOpenAITopLogprobs = 20;

    /// <summary>
    /// A vocabulary size no common model exceeds (Gemma 3 has 262,144 entries): a valid upper limit when the
    /// generator's vocabulary is unknown. A larger value than the real one widens the upper bound but keeps it valid.
    /// </summary>
    public const int DefaultVocabularyLimit = 262_144;

    /// <summary>
    /// Computes the bounded statistics at one position.
    /// </summary>
    /// <param name="topLogprobs">The top-k natural log-probabilities at the position, in any order (k ≥ 0). Values at or
    /// below −9999 (vLLM's stand-in for −∞) count as probability 0.</param>
    /// <param name="observedIndex">Index in <paramref name="topLogprobs"/> of the observed (sampled or prompt) token, or -1 when it is not in the list.</param>
    /// <param name="observedLogprob">The observed token's log-probability when it is not in the list but the engine reported it; NaN when unknown. Ignored when <paramref name="observedIndex"/> ≥ 0.</param>
    /// <param name="vocabularySize">The generator's vocabulary size, or an upper limit of it (<see cref="DefaultVocabularyLimit"/>).</param>
    /// <param name="observedRank">The observed token's rank when the engine reports it (vLLM does); 0 when unknown.</param>
    public static TopLogprobStatistics Compute(ReadOnlySpan<double> topLogprobs, int observedIndex, double observedLogprob, int vocabularySize, int observedRank = 0)
    {
        var k = topLogprobs.Length;
        if (observedIndex >= k || observedIndex < -1) throw new ArgumentOutOfRangeException(nameof(observedIndex), observedIndex, $"must be -1 or an index below {k}");
        if (vocabularySize < Math.Max(1, k)) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, $"must be at least the {k} listed entries");

        double known = 0, entropy = 0, second = 0, cap = 1;
        for (var i = 0; i < k; i++)
        {
            var l = topLogprobs[i];
            if (double.IsNaN(l) || l > 1e-6) throw new ArgumentException($"log-probability {l} at index {i} is not a log-probability (≤ 0)", nameof(topLogprobs));
            var p = Probability(l);
            known += p;
            if (p > 0) { entropy -= p * l; second += p * l * l; }
            if (p < cap) cap = p;
        }
        if (k == 0) cap = 1;

        var count = k;
        var outside = observedIndex < 0 && !double.IsNaN(observedLogprob);
        if (outside)
        {
            if (observedLogprob > 1e-6) throw new ArgumentException($"log-probability {observedLogprob} of the observed token is not a log-probability (≤ 0)", nameof(observedLogprob));
            var p = Math.Min(Probability(observedLogprob), cap);
            known += p;
            if (p > 0) { entropy -= p * Math.Log(p); second += p * Math.Log(p) * Math.Log(p); }
            count++;
        }

        var tail = Math.Max(0, 1 - known);
        var rest = Math.Max(0, vocabularySize - count);
        if (rest == 0) tail = 0; // every entry is known: what is missing is rounding
        double lower = entropy, upper = entropy, tailLog = 0;
        if (tail > 0)
        {
            // Packed: ⌊m/u⌋ entries at the cap u and one remainder r (at most R entries in all).
            var full = Math.Min(Math.Floor(tail / cap), rest);
            var remainder = full >= rest ? 0 : tail - full * cap;
            lower += full * cap * -Math.Log(cap) + Entropy(remainder);
            // Spread: the tail evenly over all R entries.
            var even = tail / rest;
            upper += tail * -Math.Log(even);
            tailLog = 0.5 * (Math.Log(Math.Max(cap, even)) + Math.Log(Math.Min(cap, even)));
        }
        if (upper < lower) upper = lower; // an inconsistent list (the tail cannot fit under the cap): keep an interval

        var estimate = 0.5 * (lower + upper);
        var meanSquare = second + tail * tailLog * tailLog;
        var variance = Math.Max(0, meanSquare - estimate * estimate);

        double surprisal, surprisalLower;
        int rank;
        if (observedIndex >= 0)
        {
            var l = topLogprobs[observedIndex];
            surprisal = surprisalLower = -Math.Max(l, -9999);
            rank = 1;
            for (var i = 0; i < k; i++) if (topLogprobs[i] > l) rank++;
        }
        else
        {
            surprisalLower = tail > 0 ? -Math.Log(Math.Min(cap, tail)) : 9999;
            surprisal = outside ? -Math.Max(observedLogprob, -9999) : Math.Max(surprisalLower, tail > 0 ? -tailLog : 9999);
            rank = k + 1;
        }
        if (observedRank > 0) rank = observedRank;
        return new TopLogprobStatistics(lower, upper, estimate, surprisal, surprisalLower,
            observedIndex >= 0 || outside, rank, variance, tail);
    }

    private static double Probability(double logprob) => logprob <= -9999 ? 0 : Math.Exp(Math.Min(0, logprob));

    private static double Entropy(double p) => p > 0 ? -p * Math.Log(p) : 0;
}
