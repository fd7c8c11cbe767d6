using Enaction.Conformal;

namespace Enaction.Tests.Conformal;

public class ConformalQuantileTests
{
    [Theory]
    [InlineData(99, 0.01, 99)]
    [InlineData(100, 0.01, 100)]
    [InlineData(199, 0.01, 198)]
    [InlineData(19, 0.05, 19)]
    [InlineData(2000, 0.01, 1981)]
    [InlineData(4, 0.2, 4)]
    public void The_rank_is_the_ceiling_of_n_plus_one_times_one_minus_the_target(int n, double alpha, int rank) =>
        Assert.Equal(rank, ConformalQuantile.Rank(n, alpha));

    [Theory]
    [InlineData(0.01, 99)]
    [InlineData(0.05, 19)]
    [InlineData(0.1, 9)]
    [InlineData(0.2, 4)]
    [InlineData(0.3, 3)]
    public void The_minimum_sample_is_the_first_with_a_finite_threshold(double alpha, int minimum)
    {
        Assert.Equal(minimum, ConformalQuantile.MinimumSample(alpha));
        Assert.Null(ConformalQuantile.Threshold(Enumerable.Range(0, minimum - 1).Select(i => (double)i).ToArray(), alpha));
        Assert.NotNull(ConformalQuantile.Threshold(Enumerable.Range(0, minimum).Select(i => (double)i).ToArray(), alpha));
    }

    [Fact]
    public void The_threshold_flags_exactly_the_scores_above_the_kth_smallest()
    {
        // 19 scores, alpha 0.1: k = ceil(20 * 0.9) = 18, the 18th smallest of 1..19 is 18.
        var scores = Enumerable.Range(1, 19).Select(i => (double)i).Reverse().ToArray();
        var t = ConformalQuantile.Threshold(scores, 0.1)!;

        Assert.Equal((18, 18.0, 19), (t.Rank, t.OrderStatistic, t.SampleSize));
        Assert.False(18.0 >= t.Value, "a score equal to the order statistic is not flagged");
        Assert.True(18.000001 >= t.Value);
        Assert.Equal(2.0 / 20, t.ExpectedFpr, 12);
        Assert.True(t.ExpectedFpr <= 0.1 && t.ExpectedFpr > 0.1 - 1.0 / 20);
    }

    [Fact]
    public void Over_exchangeable_draws_the_false_positive_rate_is_within_the_target_and_the_target_minus_one_over_n_plus_one()
    {
        // The guarantee is marginal: over many calibration samples and fresh own turns from the same distribution.
        const int n = 49, draws = 40_000;
        const double alpha = 0.1;
        var random = new Random(7);
        var flagged = 0;
        var sample = new double[n];
        for (var d = 0; d < draws; d++)
        {
            for (var i = 0; i < n; i++) sample[i] = Gamma(random);
            var t = ConformalQuantile.Threshold(sample, alpha)!;
            if (Gamma(random) >= t.Value) flagged++;
        }
        var rate = (double)flagged / draws;
        var expected = (double)(n + 1 - ConformalQuantile.Rank(n, alpha)) / (n + 1);
        var se = Math.Sqrt(expected * (1 - expected) / draws);
        Assert.InRange(rate, expected - 4 * se, expected + 4 * se);
        Assert.InRange(expected, alpha - 1.0 / (n + 1), alpha);

        // A skewed score distribution: the guarantee needs no shape.
        static double Gamma(Random r) => -Math.Log(r.NextDouble()) - Math.Log(r.NextDouble());
    }

    [Fact]
    public void The_spread_of_one_samples_rate_is_the_beta_distributions()
    {
        var t = ConformalQuantile.Threshold(Enumerable.Range(0, 1999).Select(i => (double)i).ToArray(), 0.01)!;
        // Beta(n + 1 - k, k): n = 1999, k = 1980 → Beta(20, 1980), sd = sqrt(20 * 1980 / (2000^2 * 2001)).
        Assert.Equal(1980, t.Rank);
        Assert.Equal(Math.Sqrt(20.0 * 1980 / (2000.0 * 2000 * 2001)), t.SampleSpread, 12);
    }
}
