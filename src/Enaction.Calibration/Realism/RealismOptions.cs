using Enaction.Detection;

namespace Enaction.Realism;

/// <summary>How <see cref="RealismAnalyzer"/> judges an eval's synthetic turns.</summary>
public sealed record RealismOptions
{
    /// <summary>Give-away tokens reported per turn (1 to 50). Default 5.</summary>
    public int Giveaways { get; init; } = 5;

    /// <summary>
    /// Own samples to draw for each synthetic turn's context (0 to 1000): the turn's percentile is then taken among the
    /// model's own answers to the same context rather than among the calibration's own turns. Default 0.
    /// </summary>
    public int OwnSamples { get; init; }

    /// <summary>Offer the model's own turn in place of each recognisable synthetic turn. Default false.</summary>
    public bool Resample { get; init; }

    /// <summary>Most samples drawn to replace one turn (1 to 100). Default 8.</summary>
    public int ResampleAttempts { get; init; } = 8;

    /// <summary>Seed for own samples and replacements: the same seed, model and file give the same output. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The detector settings the verdicts follow (minimum turn length, the uncalibrated threshold).</summary>
    public DetectorOptions Detector { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Giveaways is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(Giveaways), Giveaways, "Giveaways must be from 1 to 50.");
        if (OwnSamples is < 0 or > 1000) throw new ArgumentOutOfRangeException(nameof(OwnSamples), OwnSamples, "OwnSamples must be from 0 to 1000.");
        if (ResampleAttempts is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(ResampleAttempts), ResampleAttempts, "ResampleAttempts must be from 1 to 100.");
        ArgumentNullException.ThrowIfNull(Detector, nameof(Detector));
    }
}
