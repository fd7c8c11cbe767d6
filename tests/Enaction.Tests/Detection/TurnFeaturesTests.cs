using Enaction.Tests.Evaluation;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Tests.Detection;

public class TurnFeaturesTests
{
    [Fact]
    public void Peaks_show_a_single_surprising_word_that_the_mean_dilutes()
    {
        // Forty calm tokens with one surprising word in the middle: the mean gap barely moves, the peaks do.
        var tokens = Enumerable.Repeat((0.2, 0.2), 40).ToList();
        tokens[20] = (0.2, 8.2);
        var features = SyntheticExamples.Make(tokens, true, OffPolicySources.Swap).Features!;
        var x = features.Vector();
        Assert.Equal(TurnFeatures.VectorNames.Count, x.Length);
        var named = TurnFeatures.VectorNames.Zip(x).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(0.2, named["mean_gap"], 5);
        Assert.Equal(2.0, named["max_window_gap"], 5);   // 8 / 4
        Assert.Equal(8.2, named["max_surprisal"], 5);
        Assert.Equal(8.0 / 4, named["top_gap_mean"], 5); // top 4 of 40 gaps: 8, 0, 0, 0
        Assert.Equal(0, named["first_gap"], 5);
        Assert.Equal(0.2, named["max_window_entropy"], 5);
        Assert.Equal(1.0 / 40, named["confident_miss_rate"], 5);
        Assert.Equal(features.Curvature, named["curvature"]);
        Assert.True(named["tail_gap_z"] > features.Curvature, "the tail statistic concentrates the one departure");
    }

    [Fact]
    public void A_turn_shorter_than_a_window_is_one_window()
    {
        var features = SyntheticExamples.Make([(1.0, 2.0), (1.0, 4.0)], true, OffPolicySources.Corpus).Features!;
        Assert.Equal(2.0, features.Peaks.MaxWindowGap, 5); // (1 + 3) / 2
        Assert.Equal(1.0, features.Peaks.MaxWindowEntropy, 5);
        Assert.Equal(2.0, features.Peaks.FirstGap, 5);
        Assert.Equal(2.0, features.Peaks.TopGapMean, 5);   // both gaps: fewer than three
    }

    [Fact]
    public void A_calibration_weighs_every_feature_the_detector_computes()
    {
        var data = SyntheticExamples.Dataset(30);
        var calibration = CalibrationFitter.Fit(data, "m", "h", 0.05);
        Assert.Equal(TurnFeatures.VectorNames, calibration.OffPolicy!.Features);
        Assert.Equal(TurnFeatures.VectorNames.Count, calibration.OffPolicy.Weights.Length);
        var evaluation = DatasetEvaluation.Evaluate(data, calibration);
        Assert.Equal("calibrated", evaluation.Method);
        Assert.True(evaluation.Groups.Single(g => g.Split == "overall").Detector.Auroc > 0.95);
    }
}
