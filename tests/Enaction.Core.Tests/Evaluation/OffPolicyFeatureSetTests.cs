using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Core.Tests.Evaluation;

public class OffPolicyFeatureSetTests
{
    [Fact]
    public void Extended_features_add_peaks_that_a_mean_dilutes()
    {
        // Forty calm tokens with one surprising word in the middle: the mean gap barely moves, the peaks do.
        var tokens = Enumerable.Repeat((0.2, 0.2), 40).ToList();
        tokens[20] = (0.2, 8.2);
        var example = SyntheticExamples.Make(tokens, true, OffPolicySources.Swap);
        var x = OffPolicyFeatureSet.Extended.Vector(example)!;
        Assert.Equal(OffPolicyFeatureSet.Extended.Names.Length, x.Length);
        Assert.Equal(TurnFeatures.VectorNames, OffPolicyFeatureSet.Extended.Names.Take(TurnFeatures.VectorNames.Count));
        var named = OffPolicyFeatureSet.Extended.Names.Zip(x).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(0.2, named["mean_gap"], 5);
        Assert.Equal(2.0, named["max_window_gap"], 5);   // 8 / 4
        Assert.Equal(8.2, named["max_surprisal"], 5);
        Assert.Equal(8.0 / 4, named["top_gap_mean"], 5); // top 4 of 40 gaps: 8, 0, 0, 0
        Assert.Equal(0, named["first_gap"], 5);
    }

    [Fact]
    public void An_extended_calibration_is_scored_with_the_extended_features()
    {
        var data = SyntheticExamples.Dataset(30);
        var calibration = CalibrationFitter.Fit(data, "m", "h", 0.05, features: OffPolicyFeatureSet.Extended);
        Assert.Equal(OffPolicyFeatureSet.Extended.Names, calibration.OffPolicy!.Features);
        Assert.Same(OffPolicyFeatureSet.Extended, OffPolicyFeatureSet.For(calibration.OffPolicy.Features));
        var evaluation = DatasetEvaluation.Evaluate(data, calibration);
        Assert.Equal("calibrated-extended", evaluation.Method);
        Assert.True(evaluation.Groups.Single(g => g.Split == "overall").Detector.Auroc > 0.95);

        // The standard set scores exactly as the detector's own calibration arithmetic.
        var standard = CalibrationFitter.Fit(data, "m", "h", 0.05);
        Assert.Equal(standard.OffPolicy!.Score(data[0].Features!), OffPolicyFeatureSet.Standard.Score(standard.OffPolicy, data[0]));
    }
}
