using System.Collections.Immutable;

namespace Enaction.Evaluation;

/// <summary>
/// A fitted logistic model over standardised features: log-odds = bias + Σ weight_i × (x_i − mean_i) / scale_i.
/// A missing (NaN) feature is replaced by its mean, so it adds nothing.
/// </summary>
/// <param name="Means">Feature means used to standardise.</param>
/// <param name="Scales">Feature standard deviations used to standardise (1 where a feature is constant).</param>
/// <param name="Weights">Weights of the standardised features.</param>
/// <param name="Bias">Intercept.</param>
/// <param name="Iterations">Newton iterations the fit took.</param>
[System.Diagnostics.CodeAnalysis.Experimental(Experimental.ResearchGrade)]
public sealed record LogisticModel(
    ImmutableArray<double> Means,
    ImmutableArray<double> Scales,
    ImmutableArray<double> Weights,
    double Bias,
    int Iterations)
{
    /// <summary>The log-odds of the positive class for <paramref name="x"/>.</summary>
    public double LogOdds(ReadOnlySpan<double> x)
    {
        if (x.Length != Weights.Length) throw new ArgumentException($"expected {Weights.Length} features, got {x.Length}", nameof(x));
        var z = Bias;
        for (var i = 0; i < x.Length; i++)
            if (!double.IsNaN(x[i])) z += Weights[i] * (x[i] - Means[i]) / Scales[i];
        return z;
    }

    /// <summary>The probability of the positive class for <paramref name="x"/>.</summary>
    public double Probability(ReadOnlySpan<double> x) => 1 / (1 + Math.Exp(-LogOdds(x)));
}
