using System.Globalization;

namespace Enaction.Conformal;

/// <summary>
/// Thresholds that follow the deployment: the off-policy threshold is set from the model's own completed turns once
/// enough have been seen (split conformal, <see cref="ConformalQuantile"/>). The policy's <c>conformal:</c> block
/// gives these (YAML names in brackets); a policy without one leaves the monitor's options in force.
/// </summary>
public sealed record ConformalOptions
{
    /// <summary>The default reservoir capacity.</summary>
    public const int DefaultCapacity = 2000;

    /// <summary>The largest reservoir capacity accepted.</summary>
    public const int MaxCapacity = 1_000_000;

    /// <summary>
    /// The false-positive rate wanted on the model's own turns (<c>target_fpr</c>, default 0.01): with n own scores the
    /// threshold is the ceil((n+1)(1-target))-th smallest. From above 0 to 0.5.
    /// </summary>
    public double TargetFpr { get; init; } = 0.01;

    /// <summary>
    /// Own turns the reservoir must hold before its threshold replaces the shipped calibration's (<c>min_turns</c>).
    /// Null: the smallest sample that gives the target a finite threshold (<see cref="ConformalQuantile.MinimumSample"/>)
    /// or 100, whichever is larger. A smaller value than that minimum is refused.
    /// </summary>
    public int? MinTurns { get; init; }

    /// <summary>Scores kept per model and agent (<c>capacity</c>, default 2,000): a uniform sample of every own turn seen.</summary>
    public int Capacity { get; init; } = DefaultCapacity;

    /// <summary>
    /// Share of own turns that get the prompt contrast's second pass (<c>contrast_sample_rate</c>, default 0.25) when the
    /// calibrated combination reads it: only those are scored as the detector scores a judged turn, so only those enter
    /// the reservoir. Without a calibrated combination every own turn enters and no second pass is spent. From above 0 to 1.
    /// </summary>
    public double ContrastSampleRate { get; init; } = 0.25;

    /// <summary>
    /// Own turns per drift check (<c>drift_window</c>, default 200): each time this many new own scores have arrived
    /// they are compared with the reservoir by a two-sample Kolmogorov-Smirnov test. At least 20.
    /// </summary>
    public int DriftWindow { get; init; } = 200;

    /// <summary>The p-value below which a drift check raises its event (<c>drift_p_value</c>, default 0.001).</summary>
    public double DriftPValue { get; init; } = 0.001;

    /// <summary>Seed of the reservoir's slot choice and of the contrast sample (default 0).</summary>
    public ulong Seed { get; init; }

    /// <summary><see cref="MinTurns"/>, or its default for <see cref="TargetFpr"/>.</summary>
    public int EffectiveMinTurns => MinTurns ?? Math.Max(100, ConformalQuantile.MinimumSample(TargetFpr));

    /// <summary>
    /// The first setting out of range, as one line naming it (with <paramref name="prefix"/>, e.g. <c>conformal.</c>)
    /// and what it accepts; null when every setting is usable.
    /// </summary>
    /// <param name="prefix">Put before each setting's name in the message.</param>
    /// <param name="yamlNames">Name settings as the policy file does (<c>target_fpr</c>) rather than as properties.</param>
    public string? Problem(string prefix = "", bool yamlNames = false)
    {
        string Name(string property, string yaml) => prefix + (yamlNames ? yaml : property);
        string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        if (!(TargetFpr > 0 && TargetFpr <= 0.5))
            return Invariant($"{Name(nameof(TargetFpr), "target_fpr")} is {TargetFpr}; expected a false-positive rate above 0 and at most 0.5, e.g. 0.01");
        var minimum = ConformalQuantile.MinimumSample(TargetFpr);
        if (MinTurns is { } n && (n < minimum || n > MaxCapacity))
            return Invariant($"{Name(nameof(MinTurns), "min_turns")} is {n}; at a target false-positive rate of {TargetFpr} the conformal threshold needs at least {minimum} own turns (and at most {MaxCapacity})");
        if (Capacity < 1 || Capacity > MaxCapacity)
            return Invariant($"{Name(nameof(Capacity), "capacity")} is {Capacity}; expected a whole number of scores from 1 to {MaxCapacity}");
        if (Capacity < EffectiveMinTurns)
            return Invariant($"{Name(nameof(Capacity), "capacity")} is {Capacity}, fewer than the {EffectiveMinTurns} own turns the threshold waits for ({Name(nameof(MinTurns), "min_turns")}); the reservoir could never hold enough");
        if (!(ContrastSampleRate > 0 && ContrastSampleRate <= 1))
            return Invariant($"{Name(nameof(ContrastSampleRate), "contrast_sample_rate")} is {ContrastSampleRate}; expected a share above 0 and at most 1");
        if (DriftWindow < 20 || DriftWindow > MaxCapacity)
            return Invariant($"{Name(nameof(DriftWindow), "drift_window")} is {DriftWindow}; expected a whole number of turns from 20 to {MaxCapacity}");
        if (!(DriftPValue > 0 && DriftPValue < 1))
            return Invariant($"{Name(nameof(DriftPValue), "drift_p_value")} is {DriftPValue}; expected a probability between 0 and 1, e.g. 0.001");
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Problem("Conformal:") is { } problem) throw new ArgumentException(problem);
    }
}
