namespace Enaction.Realism;

/// <summary>
/// How recognisable a synthetic assistant turn is to the model under test, from its off-policy signature score and
/// the threshold the off-policy detector uses (<see cref="Detection.OffPolicyDetector.Rule"/>).
/// </summary>
public enum RealismVerdict
{
    /// <summary>Below the detector's threshold: the model would take the turn for its own.</summary>
    BlendsIn,
    /// <summary>At or past the threshold: the detector would report it (medium severity).</summary>
    Recognisable,
    /// <summary>Well past the threshold, where the detector's finding is high severity: +2 log-odds calibrated, twice
    /// the threshold on the curvature z.</summary>
    Glaring,
    /// <summary>
    /// Fewer scored tokens than the detector's signature reads (<see cref="Detection.DetectorOptions.MinTurnTokens"/>) and
    /// no word outside the model's nucleus; a short turn with one is judged by it (<c>recognisable</c> or <c>glaring</c>).
    /// </summary>
    TooShort,
}

/// <summary>The names <see cref="RealismVerdict"/> has in JSON, tables and the report.</summary>
public static class RealismVerdicts
{
    /// <summary><c>blends-in</c>, <c>recognisable</c>, <c>glaring</c> or <c>too-short</c>.</summary>
    public static string ToName(this RealismVerdict verdict) => verdict switch
    {
        RealismVerdict.BlendsIn => "blends-in",
        RealismVerdict.Recognisable => "recognisable",
        RealismVerdict.Glaring => "glaring",
        RealismVerdict.TooShort => "too-short",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    /// <summary>True for <see cref="RealismVerdict.Recognisable"/> and <see cref="RealismVerdict.Glaring"/>: the
    /// detector would report the turn at its threshold.</summary>
    public static bool IsRecognised(this RealismVerdict verdict) => verdict is RealismVerdict.Recognisable or RealismVerdict.Glaring;
}
