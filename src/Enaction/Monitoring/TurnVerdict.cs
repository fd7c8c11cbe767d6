using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Policies;
using Enaction.Scoring;

namespace Enaction.Monitoring;

/// <summary>What the monitor concluded about one turn: its findings, the policy decision, the scores and the cost.</summary>
public sealed record TurnVerdict
{
    /// <summary>The conversation.</summary>
    public required string ConversationId { get; init; }

    /// <summary>1-based turn number within the conversation (a request and its response share one).</summary>
    public required int Turn { get; init; }

    /// <summary>Request or response.</summary>
    public required PolicyStage Stage { get; init; }

    /// <summary>Findings on the messages new in this turn, ordered by message and position.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>The policy decision, actions in execution order.</summary>
    public required PolicyDecision Decision { get; init; }

    /// <summary>The scored transcript; null when scoring failed.</summary>
    public ScoredTranscript? Scores { get; init; }

    /// <summary>
    /// The generated messages scored on the generator's own log-probabilities (<see cref="ScoringSource.GeneratorLogprobs"/>),
    /// when it returned them; the findings of <see cref="ConversationMonitor.GeneratorLogprobKinds"/> on those messages
    /// come from these numbers (<c>detail.source</c> <c>generator-logprobs</c>).
    /// </summary>
    public ScoredTranscript? GeneratorScores { get; init; }

    /// <summary>Tokens reused from the conversation's scoring session and tokens computed for this turn.</summary>
    public ScoringStatistics? Statistics { get; init; }

    /// <summary>Wall time for provenance, scoring, detection and policy.</summary>
    public required TimeSpan Latency { get; init; }

    /// <summary>True when scoring threw or ran past the policy's scoring timeout; the decision then follows the policy's failure mode.</summary>
    public bool ScoringFailed { get; init; }

    /// <summary>Why scoring failed, when it did.</summary>
    public string? FailureReason { get; init; }

    /// <summary>The agent, when known.</summary>
    public string? Agent { get; init; }

    /// <summary>The function, when known.</summary>
    public string? Function { get; init; }

    /// <summary>The generator's model id, when known.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Whose distribution scored each assistant message of the judged transcript: its generator and the source of its
    /// numbers (same-model, generator-logprobs, served-logprobs or surrogate), in message order.
    /// </summary>
    public ImmutableArray<MessageScoring> Scoring { get; init; } = [];

    /// <summary>
    /// With conformal thresholds on (<see cref="Conformal.ConformalOptions"/>): the off-policy scores of the turns this
    /// pipeline generated whole, by message index, scored as the detector scores a turn it judges. They enter the
    /// model and agent's reservoir when the exchange completes with them returned unchanged. Empty otherwise.
    /// </summary>
    public IReadOnlyDictionary<int, double> OwnTurnScores { get; init; } = ImmutableDictionary<int, double>.Empty;

    /// <summary>The conformal off-policy threshold the detectors used for this stage; null when the shipped one applied.</summary>
    public Conformal.ConformalThreshold? OffPolicyThreshold { get; init; }

    /// <summary>
    /// New assistant turns with fewer scored tokens than the signature needs (<see cref="DetectorOptions.MinTurnTokens"/>):
    /// judged by the ledger alone, or with no ledger not judged at all.
    /// </summary>
    public IReadOnlyList<int> JudgedByLedgerAlone { get; init; } = [];

    /// <summary>Mean entropy and surprisal per message; empty when scoring failed.</summary>
    public ImmutableArray<MessageScore> MessageScores => Scores?.MessageScores() ?? [];

    /// <summary>True when the decision blocks the turn.</summary>
    public bool IsBlocked => Decision.Block is not null;

    /// <summary>
    /// A single number to compare candidates by: the sum over findings of severity weight (1, 2, 4) times how far the
    /// score passed its threshold (at least 1). Zero when nothing was found.
    /// </summary>
    public double Risk
    {
        get
        {
            var risk = 0.0;
            foreach (var f in Findings)
            {
                var weight = f.Severity switch { Severity.High => 4.0, Severity.Medium => 2.0, _ => 1.0 };
                var excess = f.Threshold > 0 && double.IsFinite(f.Score) ? Math.Max(1.0, f.Score / f.Threshold) : 1.0;
                risk += weight * excess;
            }
            return risk;
        }
    }
}
