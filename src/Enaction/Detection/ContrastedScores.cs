using System.Collections.Immutable;
using Enaction.Scoring;

namespace Enaction.Detection;

/// <summary>A transcript's scores and the second scorings of its judged turns (<see cref="PromptContrast.ScoreAsync"/>).</summary>
/// <param name="Scores">The transcript, scored.</param>
/// <param name="Contrasts">For each judged assistant message, the transcript up to it scored with its request emptied.</param>
/// <param name="Statistics">What scoring the transcript itself cost on the session (all its calls together; the
/// total is the transcript's tokens).</param>
/// <param name="ContrastStatistics">What the second scorings cost, added over every fork (the total counts each
/// ablated transcript's tokens).</param>
public sealed record ContrastedScores(
    ScoredTranscript Scores,
    ImmutableDictionary<int, ScoredTranscript> Contrasts,
    ScoringStatistics Statistics,
    ScoringStatistics ContrastStatistics)
{
    /// <summary>Tokens run through the model for the transcript and every contrast together.</summary>
    public long ComputedTokens => (long)Statistics.ComputedTokens + ContrastStatistics.ComputedTokens;
}
