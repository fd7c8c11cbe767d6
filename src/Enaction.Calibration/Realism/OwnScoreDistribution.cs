using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Realism;

/// <summary>
/// The off-policy signature scores of the model's own turns, as a quantile function, to place another turn's score
/// among them: from a calibration file (the own samples it was fitted on) or from own samples drawn for the same
/// context.
/// </summary>
public sealed class OwnScoreDistribution
{
    /// <summary>Where the distribution came from: the calibration file.</summary>
    public const string FromCalibrationSource = "calibration";
    /// <summary>Where the distribution came from: own samples drawn for the turn's context.</summary>
    public const string FromSamplesSource = "samples";

    private readonly ImmutableArray<double> _levels;
    private readonly ImmutableArray<double> _scores;

    private OwnScoreDistribution(ImmutableArray<double> levels, ImmutableArray<double> scores, string source, int count)
    {
        _levels = levels;
        _scores = scores;
        Source = source;
        Count = count;
    }

    /// <summary><see cref="FromCalibrationSource"/> or <see cref="FromSamplesSource"/>.</summary>
    public string Source { get; }

    /// <summary>How many own turns it summarises.</summary>
    public int Count { get; }

    /// <summary>
    /// The own-turn distribution a calibration report keeps: its score at every percentile, or in files written before
    /// those were kept, its seven quantiles (0, 5, 25, 50, 75, 95, 100%). Null when the report has neither.
    /// </summary>
    public static OwnScoreDistribution? FromReport(DetectorReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!report.NegativePercentiles.IsDefaultOrEmpty && report.NegativePercentiles.Length == ScoreQuantiles.PercentileLevels.Length)
            return new OwnScoreDistribution(ScoreQuantiles.PercentileLevels, report.NegativePercentiles, FromCalibrationSource, report.Negatives);
        if (!report.NegativeQuantiles.IsDefaultOrEmpty && report.NegativeQuantiles.Length == ScoreQuantiles.ReportLevels.Length)
            return new OwnScoreDistribution(ScoreQuantiles.ReportLevels, report.NegativeQuantiles, FromCalibrationSource, report.Negatives);
        return null;
    }

    /// <summary>The empirical distribution of <paramref name="scores"/> (NaN left out); null when none is finite.</summary>
    public static OwnScoreDistribution? FromSamples(IEnumerable<double> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var sorted = scores.Where(double.IsFinite).Order().ToImmutableArray();
        if (sorted.IsEmpty) return null;
        // Order statistic i sits at level i / (n - 1): the same linear quantile function ScoreQuantiles computes.
        var levels = sorted.Length == 1 ? [0.5] : Enumerable.Range(0, sorted.Length).Select(i => (double)i / (sorted.Length - 1)).ToImmutableArray();
        return new OwnScoreDistribution(levels, sorted, FromSamplesSource, sorted.Length);
    }

    /// <summary>
    /// The percentile (0 to 100) of <paramref name="score"/> among the model's own turns: the inverse of the linear
    /// quantile function, 0 below the lowest own score, 100 above the highest, the middle of a run of equal scores.
    /// NaN for a NaN score.
    /// </summary>
    public double Percentile(double score)
    {
        if (double.IsNaN(score)) return double.NaN;
        var n = _scores.Length;
        if (score < _scores[0]) return 0;
        if (score > _scores[n - 1]) return 100;
        var first = 0;
        while (_scores[first] < score) first++;
        var last = first;
        while (last + 1 < n && _scores[last + 1] <= score) last++;
        if (_scores[first] == score) return 50 * (_levels[first] + _levels[last]);
        // _scores[first - 1] < score < _scores[first]
        var lo = first - 1;
        var t = (score - _scores[lo]) / (_scores[first] - _scores[lo]);
        return 100 * (_levels[lo] + t * (_levels[first] - _levels[lo]));
    }
}
