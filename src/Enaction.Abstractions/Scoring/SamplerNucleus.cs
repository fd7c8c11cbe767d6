namespace Enaction.Scoring;

/// <summary>
/// The nucleus a sampler draws from, as the off-policy detector reads it (<see cref="ScoredTranscript.SamplingTopP"/>):
/// no token a sampler with top-p <c>p</c> at a temperature of at most 1 writes has <see cref="TokenScore.MassAbove"/>
/// (measured at temperature 1) at or above <c>p</c>, because a lower temperature only shrinks the nucleus. Greedy
/// decoding (temperature 0) is a nucleus of 0; a temperature above 1, or top-p 1, bounds nothing.
/// </summary>
public static class SamplerNucleus
{
    /// <summary>
    /// The nucleus of a sampler given its settings, each null when not set: <paramref name="otherwise"/> when neither is
    /// set, or when only a temperature of at most 1 is (it cannot widen the nucleus); null when the sampler can draw any
    /// token. Top-p is rounded to 6 decimals: samplers keep float32, and 0.9f is 0.89999998 as a double. A setting no
    /// sampler accepts (NaN, a negative temperature, a top-p of 0 or below) counts as not set: a caller's bad value never
    /// makes every token an exit or none.
    /// </summary>
    /// <param name="temperature">The sampler's temperature, or null when not set.</param>
    /// <param name="topP">The sampler's top-p, or null when not set.</param>
    /// <param name="otherwise">The nucleus when the settings do not decide it (the model's shipped sampler), or null.</param>
    public static double? Of(double? temperature, double? topP, double? otherwise = null)
    {
        if (temperature is { } t && t >= 0)
        {
            if (t == 0) return 0;
            if (t > 1) return null;
        }
        if (topP is { } p && p > 0) return p < 1 ? Math.Round(p, 6) : null;
        return otherwise;
    }

    /// <summary>
    /// The wider of two nuclei (null, any token, is the widest): the bound that holds for turns sampled by either
    /// sampler. A monitor judging history turns that an earlier call wrote uses it to let a call's own settings widen
    /// the model's configured nucleus but never narrow it: a greedy call (0) must not make the sampled turns before it
    /// look foreign.
    /// </summary>
    public static double? Widest(double? a, double? b) => a is { } x && b is { } y ? Math.Max(x, y) : null;
}
