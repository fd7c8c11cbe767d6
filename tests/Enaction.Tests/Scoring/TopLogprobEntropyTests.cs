using Enaction.Scoring;

namespace Enaction.Tests.Scoring;

public class TopLogprobEntropyTests
{
    private static double[] Logs(params double[] p) => p.Select(x => Math.Log(x)).ToArray();

    [Fact]
    public void A_fully_listed_distribution_has_its_exact_entropy_as_both_bounds()
    {
        var s = TopLogprobEntropy.Compute(Logs(0.5, 0.25, 0.25), observedIndex: 1, double.NaN, vocabularySize: 3);
        var exact = -(0.5 * Math.Log(0.5) + 0.5 * Math.Log(0.25));
        Assert.Equal(exact, s.EntropyLower, 12);
        Assert.Equal(exact, s.EntropyUpper, 12);
        Assert.Equal(-Math.Log(0.25), s.Surprisal, 12);
        Assert.Equal(2, s.Rank); // a tie with the other 0.25 is not "strictly higher"
        Assert.Equal(0, s.TailMass, 12);
    }

    [Fact]
    public void The_upper_bound_is_reached_by_a_tail_spread_evenly()
    {
        // Top 2 of 10: 0.4 and 0.2, the other 8 share 0.4 evenly (0.05 each, under the cap 0.2).
        var s = TopLogprobEntropy.Compute(Logs(0.4, 0.2), 0, double.NaN, 10);
        var exact = -(0.4 * Math.Log(0.4) + 0.2 * Math.Log(0.2) + 8 * 0.05 * Math.Log(0.05));
        Assert.Equal(exact, s.EntropyUpper, 12);
        Assert.True(s.EntropyLower < exact);
    }

    [Fact]
    public void The_lower_bound_is_reached_by_a_tail_packed_under_the_smallest_listed_probability()
    {
        // Top 2 of 100: 0.4 and 0.25; the tail 0.35 packed as 0.25 + 0.1 is a real distribution, and the lowest.
        var s = TopLogprobEntropy.Compute(Logs(0.4, 0.25), 0, double.NaN, 100);
        var exact = -(0.4 * Math.Log(0.4) + 2 * 0.25 * Math.Log(0.25) + 0.1 * Math.Log(0.1));
        Assert.Equal(exact, s.EntropyLower, 12);
        Assert.True(s.EntropyLower >= -(0.4 * Math.Log(0.4) + 0.25 * Math.Log(0.25) + 0.35 * Math.Log(0.35)), "at least the one-entry tail bound");
        Assert.Equal(0.5 * (s.EntropyLower + s.EntropyUpper), s.Entropy, 12);
    }

    [Fact]
    public void A_token_outside_the_list_without_its_logprob_has_a_surprisal_lower_bound_from_the_tail()
    {
        var s = TopLogprobEntropy.Compute(Logs(0.6, 0.3), observedIndex: -1, double.NaN, 50);
        Assert.False(s.SurprisalExact);
        Assert.Equal(-Math.Log(0.1), s.SurprisalLower, 12); // min(cap 0.3, tail 0.1)
        Assert.True(s.Surprisal >= s.SurprisalLower);
        Assert.Equal(3, s.Rank);
    }

    [Fact]
    public void A_token_outside_the_list_with_its_logprob_is_exact_and_narrows_the_tail()
    {
        var without = TopLogprobEntropy.Compute(Logs(0.6, 0.3), -1, double.NaN, 50);
        var with = TopLogprobEntropy.Compute(Logs(0.6, 0.3), -1, Math.Log(0.05), 50, observedRank: 4);
        Assert.True(with.SurprisalExact);
        Assert.Equal(-Math.Log(0.05), with.Surprisal, 12);
        Assert.Equal(4, with.Rank);
        Assert.Equal(0.05, with.TailMass, 12);
        Assert.True(with.EntropyUpper - with.EntropyLower < without.EntropyUpper - without.EntropyLower);
    }

    [Fact]
    public void Vllm_minus_9999_counts_as_probability_zero()
    {
        var s = TopLogprobEntropy.Compute([0.0, -9999.0], 0, double.NaN, 1000);
        Assert.Equal(0, s.EntropyLower, 12);
        Assert.Equal(0, s.EntropyUpper, 12);
        Assert.Equal(0, s.Surprisal, 12);
    }

    [Fact]
    public void Values_that_are_not_log_probabilities_are_refused_with_the_index()
    {
        var e = Assert.Throws<ArgumentException>(() => TopLogprobEntropy.Compute([-0.1, 0.5], 0, double.NaN, 10));
        Assert.Contains("index 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TopLogprobEntropy.Compute([-0.1], 1, double.NaN, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopLogprobEntropy.Compute([-0.1, -3], 0, double.NaN, 1));
    }
}
