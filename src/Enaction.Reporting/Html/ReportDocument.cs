using Enaction.Detection;

namespace Enaction.Reporting.Html;

/// <summary>Everything one HTML report shows.</summary>
public sealed record ReportDocument
{
    /// <summary>The input file, as named on the command line.</summary>
    public required string Source { get; init; }
    /// <summary>The turns, in input order.</summary>
    public required IReadOnlyList<ReportTurn> Turns { get; init; }
    /// <summary>The rescoring model, or null when the report shows only the recorded per-message summaries.</summary>
    public string? ScoringModel { get; init; }
    /// <summary>The calibration whose ROC curves and thresholds to draw, or null.</summary>
    public Calibration? Calibration { get; init; }
    /// <summary>The calibration file, as named on the command line.</summary>
    public string? CalibrationSource { get; init; }
    /// <summary>When the report was made.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
}
