using Enaction.Conformal;

namespace Enaction.Tests.Conformal;

public class TwoSampleKsTests
{
    [Fact]
    public void The_statistic_is_the_largest_gap_between_the_empirical_distributions()
    {
        // F_a steps at 1,2,3,4; F_b at 3,4,5,6: at 2 the gap is 2/4 - 0 = 0.5.
        var (d, _) = TwoSampleKs.Test([1, 2, 3, 4], [3, 4, 5, 6]);
        Assert.Equal(0.5, d, 12);
        Assert.Equal(0, TwoSampleKs.Test([1, 2, 3], [3, 2, 1]).Statistic);
    }

    [Fact]
    public void Samples_of_one_distribution_pass_and_a_shifted_one_fails()
    {
        var random = new Random(5);
        double Normal(double mean) => mean + Math.Sqrt(-2 * Math.Log(random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var reservoir = Enumerable.Range(0, 2000).Select(_ => Normal(0)).ToArray();

        Assert.True(TwoSampleKs.Test(Enumerable.Range(0, 200).Select(_ => Normal(0)).ToArray(), reservoir).PValue > 0.01);
        Assert.True(TwoSampleKs.Test(Enumerable.Range(0, 200).Select(_ => Normal(0.6)).ToArray(), reservoir).PValue < 0.001);
    }
}
