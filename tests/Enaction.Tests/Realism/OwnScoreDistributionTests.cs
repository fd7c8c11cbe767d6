using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Realism;

namespace Enaction.Tests.Realism;

public sealed class OwnScoreDistributionTests
{
    [Fact]
    public void A_calibration_report_places_scores_by_its_percentiles()
    {
        var own = Enumerable.Range(0, 1000).Select(i => i / 10.0).ToList(); // 0.0 .. 99.9
        var report = DetectorReports.From(own, [50.0, 150.0], targetFpr: 0.01);
        Assert.Equal(101, report.NegativePercentiles.Length);
        var distribution = OwnScoreDistribution.FromReport(report)!;
        Assert.Equal(OwnScoreDistribution.FromCalibrationSource, distribution.Source);
        Assert.Equal(1000, distribution.Count);
        Assert.Equal(0, distribution.Percentile(-1));
        Assert.Equal(100, distribution.Percentile(150));
        Assert.Equal(50, distribution.Percentile(ScoreQuantiles.Of(own, 0.5)), 6);
        Assert.Equal(99, distribution.Percentile(ScoreQuantiles.Of(own, 0.99)), 6);
        Assert.Equal(25.5, distribution.Percentile(ScoreQuantiles.Of(own, 0.255)), 1);
    }

    [Fact]
    public void A_calibration_file_written_before_percentiles_were_kept_falls_back_to_its_seven_quantiles()
    {
        var old = new DetectorReport { Negatives = 100, NegativeQuantiles = [-6, -5, -4, -3, -2, -1, 10] };
        Assert.True(old.NegativePercentiles.IsEmpty);
        var distribution = OwnScoreDistribution.FromReport(old)!;
        Assert.Equal(50, distribution.Percentile(-3));
        Assert.Equal(85, distribution.Percentile(-1.5));
        Assert.Equal(100, distribution.Percentile(11));
        Assert.Null(OwnScoreDistribution.FromReport(new DetectorReport()));
    }

    [Fact]
    public void The_bundled_calibration_loads_and_gives_an_own_turn_distribution()
    {
        var calibration = Calibration.Load(Path.Combine(RepoPaths.RepoRoot, "models", "tiny-chat", "calibration.json"));
        var report = calibration.Reports[CalibrationFitter.ReportNames.OffPolicy];
        var distribution = OwnScoreDistribution.FromReport(report)!;
        // The threshold was chosen at 1% of own turns above it.
        Assert.InRange(distribution.Percentile(calibration.OffPolicy!.Threshold), 98, 99.9);
    }

    [Fact]
    public void Own_samples_give_an_empirical_distribution_with_ties_in_the_middle()
    {
        var distribution = OwnScoreDistribution.FromSamples([3, 1, 2, 2, double.NaN])!;
        Assert.Equal(OwnScoreDistribution.FromSamplesSource, distribution.Source);
        Assert.Equal(4, distribution.Count);
        Assert.Equal(0, distribution.Percentile(0.5));
        Assert.Equal(50, distribution.Percentile(2), 6);
        Assert.Equal(100, distribution.Percentile(3));
        Assert.Equal(100, distribution.Percentile(4));
        Assert.Equal(50, OwnScoreDistribution.FromSamples([7])!.Percentile(7));
        Assert.Null(OwnScoreDistribution.FromSamples([double.NaN]));
        Assert.True(double.IsNaN(distribution.Percentile(double.NaN)));
    }
}
