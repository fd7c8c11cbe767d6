namespace Enaction;

/// <summary>
/// The diagnostic ids of Enaction's <see cref="System.Diagnostics.CodeAnalysis.ExperimentalAttribute"/>s. Using a
/// type marked with one is a compile error until the caller opts in (<c>&lt;NoWarn&gt;ENACTION001&lt;/NoWarn&gt;</c>).
/// </summary>
public static class Experimental
{
    /// <summary>
    /// <c>ENACTION001</c>: research-grade types (the calibration fitting: <c>CalibrationFitter</c>, <c>LogisticRegression</c>, <c>LogisticModel</c>) whose
    /// shape will still change as the detectors do; calibration files stay readable across such changes.
    /// </summary>
    public const string ResearchGrade = "ENACTION001";
}
