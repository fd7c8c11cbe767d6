using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Scoring;

namespace Enaction.Evaluation;

/// <summary>
/// The features a calibrated off-policy combination weighs. <see cref="Standard"/> is what the detector computes
/// (<see cref="TurnFeatures.Vector"/>); <see cref="Extended"/> adds peak statistics that a mean over a long turn
/// dilutes (a swapped entity name, a foreign opening), for evaluation until the detector computes them too.
/// </summary>
public sealed class OffPolicyFeatureSet
{
    /// <summary>Tokens per window for the windowed peaks.</summary>
    public const int Window = 4;

    private readonly Func<ScoredExample, double[]?> _vector;

    private OffPolicyFeatureSet(string name, ImmutableArray<string> names, Func<ScoredExample, double[]?> vector)
    {
        Name = name;
        Names = names;
        _vector = vector;
    }

    /// <summary>"standard" or "extended".</summary>
    public string Name { get; }

    /// <summary>Feature names, as stored in <see cref="OffPolicyCalibration.Features"/>.</summary>
    public ImmutableArray<string> Names { get; }

    /// <summary>The detector's features.</summary>
    public static OffPolicyFeatureSet Standard { get; } = new("standard", [.. TurnFeatures.VectorNames], e => e.Features?.Vector());

    /// <summary>
    /// The detector's features plus windowed and peak gap, surprisal and entropy statistics, and the jump of the first
    /// tokens' entropy over the rest of the turn.
    /// </summary>
    public static OffPolicyFeatureSet Extended { get; } = new("extended",
        [.. TurnFeatures.VectorNames, "max_window_gap", "max_surprisal", "top_gap_mean", "first_gap", "max_window_entropy", "first_entropy_jump", "confident_miss_rate", "tail_gap_z", "curvature"],
        e => e.Features is { } f ? [.. f.Vector(), .. Peaks(e.Scores, e.Example.Target), f.FirstEntropy - f.RestEntropy, .. Tails(e.Scores, e.Example.Target), f.Curvature] : null);

    /// <summary>Every set, for lookup by name.</summary>
    public static IReadOnlyList<OffPolicyFeatureSet> All { get; } = [Standard, Extended];

    /// <summary>The set a calibration's feature names belong to, or null.</summary>
    public static OffPolicyFeatureSet? For(IReadOnlyList<string> names) => All.FirstOrDefault(s => s.Names.SequenceEqual(names));

    /// <summary>The feature vector of an example's target turn, or null when it has no scored token.</summary>
    public double[]? Vector(ScoredExample example) => _vector(example);

    /// <summary>The log-odds <paramref name="calibration"/> gives the example (the same arithmetic as <see cref="OffPolicyCalibration.Score"/>).</summary>
    public double Score(OffPolicyCalibration calibration, ScoredExample example)
    {
        if (this == Standard && example.Features is { } f) return calibration.Score(f);
        var x = Vector(example);
        if (x is null) return double.NaN;
        var z = calibration.Bias;
        for (var i = 0; i < calibration.Weights.Length && i < x.Length; i++)
        {
            var v = double.IsNaN(x[i]) ? calibration.Means[i] : x[i];
            z += calibration.Weights[i] * (v - calibration.Means[i]) / (calibration.Scales[i] > 0 ? calibration.Scales[i] : 1);
        }
        return z;
    }

    /// <summary>Peak statistics of one message's scored tokens.</summary>
    private static double[] Peaks(ScoredTranscript scores, int message)
    {
        var gaps = new List<double>();
        var entropies = new List<double>();
        var maxSurprisal = double.NaN;
        foreach (var t in scores.Tokens)
        {
            if (t.Message != message || !t.HasScore) continue;
            gaps.Add(t.Surprisal - t.Entropy);
            entropies.Add(t.Entropy);
            if (!(t.Surprisal <= maxSurprisal)) maxSurprisal = t.Surprisal;
        }
        if (gaps.Count == 0) return [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN];
        var sorted = gaps.OrderDescending().ToList();
        var top = Math.Max(3, gaps.Count / 10);
        return
        [
            MaxWindowMean(gaps),
            maxSurprisal,
            sorted.Take(top).Average(),
            gaps.Take(TurnFeatures.FirstTokens).Average(),
            MaxWindowMean(entropies),
        ];
    }

    /// <summary>
    /// Sparse, strong departures that a mean dilutes: the share of tokens where the model was confident (entropy under
    /// 1 nat) yet the text took a token it gave under 10%, and the curvature of the tokens whose gap is in the top
    /// quarter (a one-sided tail statistic, about N(0,1)-scaled by their Var[ln p]).
    /// </summary>
    private static double[] Tails(ScoredTranscript scores, int message)
    {
        int n = 0, misses = 0;
        var gaps = new List<(double Gap, double Var)>();
        foreach (var t in scores.Tokens)
        {
            if (t.Message != message || !t.HasScore) continue;
            n++;
            if (t.Entropy < 1.0 && t.Surprisal > Math.Log(10)) misses++;
            gaps.Add((t.Surprisal - t.Entropy, Math.Max(t.LogProbVariance, 1e-6)));
        }
        if (n == 0) return [double.NaN, double.NaN];
        var top = gaps.OrderByDescending(g => g.Gap).Take(Math.Max(1, n / 4)).ToList();
        return [(double)misses / n, top.Sum(g => g.Gap) / Math.Sqrt(top.Sum(g => g.Var))];
    }

    private static double MaxWindowMean(List<double> values)
    {
        var w = Math.Min(Window, values.Count);
        double sum = 0;
        for (var i = 0; i < w; i++) sum += values[i];
        var best = sum;
        for (var i = w; i < values.Count; i++)
        {
            sum += values[i] - values[i - w];
            if (sum > best) best = sum;
        }
        return best / w;
    }
}
