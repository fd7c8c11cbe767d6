using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Enaction.Conformal;
using Enaction.Monitoring;
using Enaction.Provenance;
using Enaction.Tests.Monitoring;

namespace Enaction.Tests.Conformal;

public class ConformalThresholdsTests
{
    private static readonly OwnScoreKey Key = new("tiny-chat", "planner", "curvature:0");
    private static readonly ConformalOptions Options = new() { TargetFpr = 0.1, MinTurns = 20, Capacity = 100, DriftWindow = 50 };

    [Fact]
    public async Task The_shipped_threshold_applies_until_min_turns_own_scores_are_in_then_the_conformal_one_with_an_event()
    {
        var logger = new ListLogger();
        var thresholds = new ConformalThresholds(new InMemoryOwnScoreStore(), logger);
        var scores = Enumerable.Range(0, 25).Select(i => (i * 7 % 25) / 10.0).ToArray();

        for (var i = 0; i < 19; i++) Assert.Null(await thresholds.ObserveAsync(Key, scores[i], Options, shipped: 3.0));
        Assert.Empty(logger.Named(nameof(ConformalEvents.ConformalThresholdChanged)));

        var first = await thresholds.ObserveAsync(Key, scores[19], Options, shipped: 3.0);
        Assert.Equal(ConformalQuantile.Threshold(scores[..20], 0.1), first);
        var changed = Assert.Single(logger.Named(nameof(ConformalEvents.ConformalThresholdChanged)));
        Assert.Equal(3.0, changed["OldThreshold"]);
        Assert.Equal(first!.Value, changed["NewThreshold"]);
        Assert.Equal(20, changed["SampleSize"]);
        Assert.Equal("tiny-chat", changed["Model"]);
        Assert.Equal("planner", changed["Agent"]);
        Assert.Equal(MonitorEventIds.ConformalThresholdChanged, logger.Events.Single(e => e.Id.Name == nameof(ConformalEvents.ConformalThresholdChanged)).Id.Id);

        // Another key has its own reservoir; asking does not change anything.
        Assert.Null(await thresholds.ThresholdAsync(Key with { Agent = "other" }, Options, 3.0));
        Assert.Equal(first, await thresholds.ThresholdAsync(Key, Options, 3.0));
    }

    [Fact]
    public async Task Own_scores_and_the_threshold_in_force_are_measured_through_the_enaction_meter()
    {
        var key = Key with { Agent = "metrics-" + Guid.NewGuid().ToString("N") };
        var measured = new ConcurrentQueue<(string Instrument, double Value)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == EnactionTelemetry.Name) listener.EnableMeasurementEvents(instrument); },
        };
        void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
                if (tag.Key == "gen_ai.agent.name" && (string?)tag.Value == key.Agent) measured.Enqueue((instrument.Name, value));
        }
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        meters.Start();
        var thresholds = new ConformalThresholds(new InMemoryOwnScoreStore());

        for (var i = 0; i < 20; i++) await thresholds.ObserveAsync(key, i, Options, 3.0);

        Assert.Equal(20, measured.Count(m => m.Instrument == "enaction.conformal.own_scores"));
        var gauge = Assert.Single(measured, m => m.Instrument == "enaction.conformal.threshold");
        Assert.Equal((await thresholds.ThresholdAsync(key, Options, 3.0))!.Value, gauge.Value);
    }

    [Fact]
    public async Task A_restarted_host_resumes_from_the_store()
    {
        var store = new InMemoryOwnScoreStore();
        var before = new ConformalThresholds(store);
        for (var i = 0; i < 30; i++) await before.ObserveAsync(Key, i, Options, 3.0);

        var logger = new ListLogger();
        var after = new ConformalThresholds(store, logger);
        var resumed = await after.ThresholdAsync(Key, Options, 3.0);

        Assert.Equal(await before.ThresholdAsync(Key, Options, 3.0), resumed);
        Assert.Single(logger.Named(nameof(ConformalEvents.ConformalThresholdChanged)));
    }

    [Fact]
    public async Task A_shift_of_the_recent_own_scores_is_a_drift_event()
    {
        var logger = new ListLogger();
        var thresholds = new ConformalThresholds(new InMemoryOwnScoreStore(), logger);
        var random = new Random(3);
        for (var i = 0; i < 100; i++) await thresholds.ObserveAsync(Key, random.NextDouble(), Options, 3.0);
        Assert.Empty(logger.Named(nameof(ConformalEvents.OwnScoreDrift)));

        for (var i = 0; i < 50; i++) await thresholds.ObserveAsync(Key, 2 + random.NextDouble(), Options, 3.0);

        var drift = Assert.Single(logger.Named(nameof(ConformalEvents.OwnScoreDrift)));
        Assert.Equal(50, drift["WindowSize"]);
        Assert.True((double)drift["PValue"]! < Options.DriftPValue);
        Assert.True((double)drift["WindowQuantile"]! > (double)drift["ReservoirQuantile"]!);
    }

    [Fact]
    public async Task A_store_that_fails_is_logged_and_the_threshold_in_force_stays()
    {
        var store = new FlakyStore();
        var logger = new ListLogger();
        var thresholds = new ConformalThresholds(store, logger);
        for (var i = 0; i < 20; i++) await thresholds.ObserveAsync(Key, i, Options, 3.0);
        var inForce = await thresholds.ThresholdAsync(Key, Options, 3.0);
        Assert.NotNull(inForce);

        store.Broken = true;
        Assert.Equal(inForce, await thresholds.ObserveAsync(Key, 100, Options, 3.0));
        var failed = Assert.Single(logger.Named(nameof(ConformalEvents.OwnScoreStoreFailed)));
        Assert.Contains("disk full", (string)failed["Reason"]!);
    }

    [Fact]
    public void Scores_of_different_calibrations_never_share_a_reservoir()
    {
        Assert.StartsWith("curvature:", ConformalThresholds.ScoreSpace(null, "abc"));
        Assert.NotEqual(ConformalThresholds.ScoreSpace(null, "abc"), ConformalThresholds.ScoreSpace(null, "abd"));
        Assert.Equal(ConformalThresholds.ScoreSpace(null, "abc"), ConformalThresholds.ScoreSpace(null, "abc"));
    }

    [Theory]
    [InlineData(0.0, null, 2000, "TargetFpr is 0")]
    [InlineData(0.01, 50, 2000, "MinTurns is 50; at a target false-positive rate of 0.01 the conformal threshold needs at least 99")]
    [InlineData(0.01, null, 80, "Capacity is 80, fewer than the 100 own turns")]
    public void Options_out_of_range_name_the_setting(double target, int? minTurns, int capacity, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => new ConformalOptions { TargetFpr = target, MinTurns = minTurns, Capacity = capacity }.Validate());
        Assert.Contains("Conformal:" + problem, e.Message);
    }

    /// <summary>A store at a true boundary: it can fail like a full disk.</summary>
    private sealed class FlakyStore : IOwnScoreStore
    {
        private readonly InMemoryOwnScoreStore _inner = new();

        public bool Broken { get; set; }

        public Task<OwnScoreReservoir> GetAsync(OwnScoreKey key, CancellationToken cancellationToken = default) =>
            Broken ? throw new AttestationStoreException("ledger.db", "disk full") : _inner.GetAsync(key, cancellationToken);

        public Task<OwnScoreReservoir> AddAsync(OwnScoreKey key, double score, int capacity, ulong seed, CancellationToken cancellationToken = default) =>
            Broken ? throw new AttestationStoreException("ledger.db", "disk full") : _inner.AddAsync(key, score, capacity, seed, cancellationToken);
    }
}
