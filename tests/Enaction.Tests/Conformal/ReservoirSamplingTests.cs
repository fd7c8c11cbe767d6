using Enaction.Conformal;

namespace Enaction.Tests.Conformal;

public class ReservoirSamplingTests
{
    private static readonly OwnScoreKey Key = new("tiny-chat", "planner", "curvature:0");

    private static OwnScoreReservoir Feed(IEnumerable<double> scores, int capacity, ulong seed, OwnScoreKey? key = null)
    {
        var reservoir = OwnScoreReservoir.Empty;
        foreach (var s in scores) reservoir = ReservoirSampling.Add(reservoir, s, capacity, seed, key ?? Key);
        return reservoir;
    }

    [Fact]
    public void The_reservoir_keeps_everything_until_full_and_then_stays_at_its_capacity()
    {
        var partial = Feed(Enumerable.Range(0, 30).Select(i => (double)i), 50, 1);
        Assert.Equal(30, partial.Seen);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)i), partial.Scores);

        var full = Feed(Enumerable.Range(0, 5000).Select(i => (double)i), 50, 1);
        Assert.Equal(5000, full.Seen);
        Assert.Equal(50, full.Scores.Length);
        Assert.Equal(50, full.Scores.Distinct().Count());
    }

    [Fact]
    public void Every_turn_has_the_same_chance_to_be_kept()
    {
        // 400 independent reservoirs (seeds) of 50 over 1,000 turns: each turn is kept with probability 0.05.
        const int turns = 1000, capacity = 50, runs = 400;
        var kept = new int[10];
        for (ulong seed = 0; seed < runs; seed++)
            foreach (var s in Feed(Enumerable.Range(0, turns).Select(i => (double)i), capacity, seed).Scores)
                kept[(int)s / 100]++;
        // Each decile of the stream should hold a tenth of the kept scores: 2,000 of 20,000 (sd about 42).
        foreach (var count in kept) Assert.InRange(count, 2000 - 200, 2000 + 200);
    }

    [Fact]
    public void The_same_seed_and_key_give_the_same_reservoir_and_another_seed_another()
    {
        var scores = Enumerable.Range(0, 500).Select(i => i * 0.5).ToArray();
        Assert.Equal(Feed(scores, 20, 3).Scores.ToArray(), Feed(scores, 20, 3).Scores.ToArray());
        Assert.NotEqual(Feed(scores, 20, 3).Scores.ToArray(), Feed(scores, 20, 4).Scores.ToArray());
        Assert.NotEqual(Feed(scores, 20, 3).Scores.ToArray(), Feed(scores, 20, 3, Key with { Agent = "other" }).Scores.ToArray());
    }

    [Fact]
    public void A_lowered_capacity_thins_the_reservoir_to_a_subsample()
    {
        var big = Feed(Enumerable.Range(0, 100).Select(i => (double)i), 100, 1);
        var thinned = ReservoirSampling.Add(big, 1000, 10, 1, Key);

        Assert.Equal(101, thinned.Seen);
        Assert.Equal(10, thinned.Scores.Length);
        Assert.All(thinned.Scores, s => Assert.True(s == 1000 || big.Scores.Contains(s)));
    }

    [Fact]
    public void Scores_round_trip_through_bytes_and_damaged_bytes_say_what_is_wrong()
    {
        var reservoir = new OwnScoreReservoir(7, [1.5, -2.25, 3e-9]);
        var back = OwnScoreReservoir.FromBytes(7, reservoir.ToBytes(), out var problem);
        Assert.Null(problem);
        Assert.Equal(reservoir.Scores.ToArray(), back!.Scores.ToArray());

        Assert.Null(OwnScoreReservoir.FromBytes(7, new byte[5], out problem));
        Assert.Contains("multiple of 8", problem);
        Assert.Null(OwnScoreReservoir.FromBytes(2, reservoir.ToBytes(), out problem));
        Assert.Contains("seen 2 turns", problem);
        Assert.Null(OwnScoreReservoir.FromBytes(1, BitConverter.GetBytes(double.NaN), out problem));
        Assert.Contains("finite", problem);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReservoirSampling.Add(OwnScoreReservoir.Empty, double.PositiveInfinity, 5, 0, Key));
    }
}
