using Enaction.Monitoring;
using Enaction.Scoring;

namespace Enaction.Reporting.Html;

/// <summary>One recorded turn to show, with its token-level scores when the transcript was rescored.</summary>
/// <param name="Record">The turn as recorded (or as detected here, for transcripts).</param>
/// <param name="Scores">Every token's entropy and surprisal from rescoring, or null for message-level shading.</param>
/// <param name="Line">The input line it came from.</param>
public sealed record ReportTurn(TurnRecord Record, ScoredTranscript? Scores, int Line);
