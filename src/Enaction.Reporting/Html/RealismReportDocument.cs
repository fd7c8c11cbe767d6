using Enaction.Realism;

namespace Enaction.Reporting.Html;

/// <summary>Everything one realism report shows (<see cref="RealismReport"/>).</summary>
public sealed record RealismReportDocument
{
    /// <summary>The eval file, as named on the command line.</summary>
    public required string Source { get; init; }
    /// <summary>The model under test.</summary>
    public required string Model { get; init; }
    /// <summary>Each eval transcript, judged, in file order.</summary>
    public required IReadOnlyList<TranscriptRealism> Transcripts { get; init; }
    /// <summary>The threshold at which a turn is recognised.</summary>
    public required double Threshold { get; init; }
    /// <summary>How scores were computed (<see cref="Detection.OffPolicyDetector.Rule"/>).</summary>
    public required string Method { get; init; }
    /// <summary>The calibration file, as named on the command line, or null.</summary>
    public string? CalibrationSource { get; init; }
    /// <summary>When the report was made.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
}
