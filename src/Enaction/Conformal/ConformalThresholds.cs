using System.Security.Cryptography;
using System.Text;
using Enaction.Detection;
using Enaction.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Enaction.Conformal;

/// <summary>
/// The off-policy thresholds that follow the deployment. Each completed own turn's score goes into its key's reservoir
/// in <see cref="Store"/> (<see cref="ObserveAsync"/>); once the reservoir holds <see cref="ConformalOptions.EffectiveMinTurns"/>
/// scores, <see cref="ThresholdAsync"/> returns the split-conformal threshold for the target false-positive rate
/// (<see cref="ConformalQuantile"/>), and until then null (the shipped calibration applies). Every change of the
/// threshold in force is a <see cref="ConformalEvents.ConformalThresholdChanged"/> event; every
/// <see cref="ConformalOptions.DriftWindow"/> new scores are tested against the reservoir, and a shift is an
/// <see cref="ConformalEvents.OwnScoreDrift"/> event. A store that fails is logged and the threshold in force stays.
/// Thread-safe.
/// </summary>
public sealed class ConformalThresholds
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<OwnScoreKey, KeyState> _keys = [];

    /// <summary>Keeps reservoirs in <paramref name="store"/> and logs to <paramref name="logger"/>.</summary>
    public ConformalThresholds(IOwnScoreStore store, ILogger? logger = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Where the reservoirs are kept.</summary>
    public IOwnScoreStore Store { get; }

    /// <summary>
    /// A fingerprint of the score function under <paramref name="calibration"/> for the scorer
    /// <paramref name="scorer"/> (its weights' SHA-256, else its model id): <c>calibrated:</c> and a hash of the
    /// off-policy combination, or <c>curvature:</c> and a hash of the scorer. Scores of different spaces never share a reservoir.
    /// </summary>
    public static string ScoreSpace(Calibration? calibration, string scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        var text = new StringBuilder(scorer);
        if (calibration?.OffPolicy is { } c)
        {
            text.Append('\n').Append(calibration.ModelSha256).Append('\n').AppendJoin(',', c.Features);
            foreach (var values in new[] { c.Means, c.Scales, c.Weights })
                foreach (var v in values) text.Append(',').Append(BitConverter.DoubleToInt64Bits(v));
            text.Append(',').Append(BitConverter.DoubleToInt64Bits(c.Bias));
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        return (calibration?.OffPolicy is null ? "curvature:" : "calibrated:") + hash;
    }

    /// <summary>
    /// The conformal threshold in force for <paramref name="key"/> under <paramref name="options"/>, or null while the
    /// reservoir holds too few own turns (the shipped threshold, <paramref name="shipped"/>, applies then). The first call
    /// for a key reads its reservoir from the store, so a restarted host resumes where it was.
    /// </summary>
    public async Task<ConformalThreshold?> ThresholdAsync(OwnScoreKey key, ConformalOptions options, double shipped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        var state = State(key);
        if (!state.Loaded)
        {
            try
            {
                var stored = await Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
                lock (state) state.Take(stored);
                state.Loaded = true;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                ConformalEvents.OwnScoreStoreFailed(_logger, "read", key.Model, key.Agent, $"{e.GetType().Name}: {e.Message}", e);
                return state.InForce;
            }
        }
        return Update(key, state, options, shipped);
    }

    /// <summary>
    /// Offers one completed own turn's off-policy <paramref name="score"/> to <paramref name="key"/>'s reservoir and
    /// returns the threshold in force after it (null: the shipped one).
    /// </summary>
    public async Task<ConformalThreshold?> ObserveAsync(OwnScoreKey key, double score, ConformalOptions options, double shipped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(score)) return await ThresholdAsync(key, options, shipped, cancellationToken).ConfigureAwait(false);
        var state = State(key);
        OwnScoreReservoir after;
        try
        {
            after = await Store.AddAsync(key, score, options.Capacity, options.Seed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            ConformalEvents.OwnScoreStoreFailed(_logger, "add to", key.Model, key.Agent, $"{e.GetType().Name}: {e.Message}", e);
            return state.InForce;
        }
        var tags = Tags(key);
        EnactionTelemetry.OwnScores.Add(1, tags);
        double[]? window = null;
        double[] reservoir;
        lock (state)
        {
            state.Take(after);
            state.Loaded = true;
            state.Window.Add(score);
            if (state.Window.Count >= options.DriftWindow)
            {
                window = [.. state.Window];
                state.Window.Clear();
            }
            reservoir = [.. state.Reservoir.Scores];
        }
        if (window is not null && reservoir.Length >= options.EffectiveMinTurns) CheckDrift(key, window, reservoir, options);
        return Update(key, state, options, shipped);
    }

    private void CheckDrift(OwnScoreKey key, double[] window, double[] reservoir, ConformalOptions options)
    {
        var (d, p) = TwoSampleKs.Test(window, reservoir);
        if (p >= options.DriftPValue) return;
        EnactionTelemetry.OwnScoreDrift.Add(1, Tags(key));
        ConformalEvents.OwnScoreDrift(_logger, key.Model, key.Agent, window.Length, reservoir.Length, Math.Round(d, 4), p,
            Math.Round(UpperQuantile(window, options.TargetFpr), 4), Math.Round(UpperQuantile(reservoir, options.TargetFpr), 4));
    }

    /// <summary>The empirical (1 - alpha) quantile by nearest rank.</summary>
    private static double UpperQuantile(double[] values, double alpha)
    {
        Array.Sort(values);
        var index = Math.Clamp((int)Math.Ceiling(values.Length * (1 - alpha)) - 1, 0, values.Length - 1);
        return values[index];
    }

    /// <summary>Recomputes the threshold in force when the reservoir or the options changed, and reports a change.</summary>
    private ConformalThreshold? Update(OwnScoreKey key, KeyState state, ConformalOptions options, double shipped)
    {
        ConformalThreshold? previous, current;
        double before, now;
        lock (state)
        {
            var version = (state.Reservoir.Seen, state.Reservoir.Scores.Length, options.TargetFpr, options.EffectiveMinTurns, shipped);
            if (state.Version == version) return state.InForce;
            previous = state.InForce;
            before = state.Announced ?? shipped;
            current = state.Reservoir.Scores.Length >= options.EffectiveMinTurns
                ? ConformalQuantile.Threshold(state.Reservoir.Scores, options.TargetFpr)
                : null;
            now = current?.Value ?? shipped;
            state.Version = version;
            state.InForce = current;
            state.Announced = now;
        }
        if (before.Equals(now)) return current;
        EnactionTelemetry.ConformalThreshold.Record(now, Tags(key));
        ConformalEvents.ConformalThresholdChanged(_logger, key.Model, key.Agent, before, now,
            current is null ? "shipped calibration" : "conformal", current?.SampleSize ?? state.Reservoir.Scores.Length, options.TargetFpr);
        return current;
    }

    private static KeyValuePair<string, object?>[] Tags(OwnScoreKey key) =>
        [new("gen_ai.request.model", key.Model), new("gen_ai.agent.name", key.Agent)];

    private KeyState State(OwnScoreKey key)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(key, out var state)) _keys[key] = state = new KeyState();
            return state;
        }
    }

    private sealed class KeyState
    {
        public OwnScoreReservoir Reservoir { get; private set; } = OwnScoreReservoir.Empty;
        public volatile bool Loaded;
        public ConformalThreshold? InForce;
        public double? Announced;
        public (long, int, double, int, double)? Version;
        public List<double> Window { get; } = [];

        /// <summary>Keeps the later of the two reservoirs: concurrent adds return in any order.</summary>
        public void Take(OwnScoreReservoir reservoir)
        {
            if (reservoir.Seen >= Reservoir.Seen) Reservoir = reservoir;
        }
    }
}
