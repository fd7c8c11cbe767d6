using Enaction.Evaluation;

namespace Enaction.Tests.Evaluation;

public class RocCurveTests
{
    [Fact]
    public void Perfectly_separated_scores_have_area_one()
    {
        var roc = RocCurve.Compute([0.1, 0.2, 0.3], [0.5, 0.9]);
        Assert.Equal(1.0, roc.Auroc);
        Assert.Equal(1.0, roc.AtFpr(0.01).Tpr);
    }

    [Fact]
    public void Identical_scores_have_area_one_half()
    {
        Assert.Equal(0.5, RocCurve.Compute([1.0, 1.0, 1.0], [1.0, 1.0]).Auroc);
    }

    [Fact]
    public void Reversed_scores_have_area_zero()
    {
        Assert.Equal(0.0, RocCurve.Compute([5.0, 6.0], [1.0, 2.0]).Auroc);
    }

    [Fact]
    public void Hand_computed_case_with_a_tie()
    {
        // Pairs won by positives: 0.9 beats all 4; 0.4 beats 0.1 and 0.35 and ties 0.4 (2.5); 0.6 beats 3. 9.5 of 12.
        var roc = RocCurve.Compute([0.1, 0.4, 0.35, 0.8], [0.9, 0.4, 0.6]);
        Assert.Equal(9.5 / 12, roc.Auroc, 12);
    }

    [Fact]
    public void Curve_runs_from_origin_to_one_one_and_its_trapezoid_area_is_the_auroc()
    {
        var roc = RocCurve.Compute([0.1, 0.4, 0.35, 0.8, 0.4], [0.9, 0.4, 0.6, 0.05]);
        Assert.Equal(new RocPoint(0, 0), roc.Points[0]);
        Assert.Equal(new RocPoint(1, 1), roc.Points[^1]);
        double area = 0;
        for (var i = 1; i < roc.Points.Length; i++)
            area += (roc.Points[i].Fpr - roc.Points[i - 1].Fpr) * (roc.Points[i].Tpr + roc.Points[i - 1].Tpr) / 2;
        Assert.Equal(roc.Auroc, area, 12);
    }

    [Fact]
    public void Threshold_at_one_percent_fpr_is_just_above_the_second_highest_of_a_hundred_negatives()
    {
        var negatives = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        var roc = RocCurve.Compute(negatives, [99.5, 100.5, 50]);
        var point = roc.AtFpr(0.01);
        Assert.Equal(Math.BitIncrement(99.0), point.Threshold);
        Assert.Equal(0.01, point.Fpr);
        Assert.Equal(2.0 / 3, point.Tpr, 12);
        Assert.Equal(0.0, roc.AtFpr(0).Fpr);
        Assert.Equal(Math.BitIncrement(100.0), roc.AtFpr(0).Threshold);
    }

    [Fact]
    public void Tied_negatives_at_the_budget_are_all_left_unflagged()
    {
        // One of four negatives may be flagged, but the top two tie: flagging either flags both, so neither is.
        var point = RocCurve.Compute([1.0, 2.0, 3.0, 3.0], [4.0]).AtFpr(0.25);
        Assert.Equal(0.0, point.Fpr);
        Assert.Equal(1.0, point.Tpr);
    }

    [Fact]
    public void Rates_at_a_fixed_threshold_count_scores_at_or_above_it()
    {
        var point = RocCurve.Compute([1.0, 2.0, 3.0, 4.0], [2.0, 5.0]).At(2.0);
        Assert.Equal(0.75, point.Fpr);
        Assert.Equal(1.0, point.Tpr);
    }

    [Fact]
    public void Nan_scores_are_rejected_and_an_empty_class_gives_nan()
    {
        Assert.Throws<ArgumentException>(() => RocCurve.Compute([double.NaN], [1.0]));
        var roc = RocCurve.Compute([1.0, 2.0], []);
        Assert.True(double.IsNaN(roc.Auroc));
        Assert.True(double.IsNaN(roc.AtFpr(0.5).Tpr));
        Assert.Equal(0.5, roc.AtFpr(0.5).Fpr);
    }

    [Fact]
    public void Thinning_keeps_both_ends()
    {
        var roc = RocCurve.Compute(Enumerable.Range(0, 500).Select(i => (double)i), Enumerable.Range(250, 500).Select(i => (double)i));
        var thin = roc.Thinned(11);
        Assert.Equal(11, thin.Length);
        Assert.Equal(roc.Points[0], thin[0]);
        Assert.Equal(roc.Points[^1], thin[^1]);
    }

    [Fact]
    public void Quantiles_interpolate_linearly_between_order_statistics()
    {
        double[] values = [4, 1, 3, 2];
        Assert.Equal(2.5, ScoreQuantiles.Of(values, 0.5));
        Assert.Equal(1.75, ScoreQuantiles.Of(values, 0.25));
        Assert.Equal(1, ScoreQuantiles.Of(values, 0));
        Assert.Equal(4, ScoreQuantiles.Of(values, 1));
        Assert.True(double.IsNaN(ScoreQuantiles.Of([], 0.5)));
    }
}
