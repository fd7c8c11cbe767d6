using Enaction.Monitoring;
using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>
/// One model call as the actions see it: its budget, the verdicts and outcomes so far, the metadata to attach, and
/// whether it was blocked. Created per call by the middleware.
/// </summary>
public sealed class MonitoredCall
{
    /// <summary>A call in <paramref name="conversationId"/> under <paramref name="budgets"/>.</summary>
    public MonitoredCall(string conversationId, PolicyBudgets budgets)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ConversationId = conversationId;
        Budget = new CallBudget(budgets);
    }

    /// <summary>The conversation.</summary>
    public string ConversationId { get; }

    /// <summary>The agent, when known.</summary>
    public string? Agent { get; init; }

    /// <summary>The function, when known.</summary>
    public string? Function { get; init; }

    /// <summary>The generator model, when known.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// The log-probabilities the generator returned with its answer, by message index in the judged transcript (set by
    /// the integration before <see cref="IMonitoredExchange.JudgeResponseAsync(Enaction.Transcripts.Transcript, IReadOnlyList{int}, CancellationToken)"/>); see
    /// <see cref="IConversationMonitor.TopLogprobsToRequest"/>.
    /// </summary>
    public Dictionary<int, IReadOnlyList<Enaction.Scoring.TokenLogprob>> GeneratorLogprobs { get; } = [];

    /// <summary>True when the response streams: chunks have reached the caller before the response is judged.</summary>
    public bool Streaming { get; init; }

    /// <summary>Resamples and verifications left.</summary>
    public CallBudget Budget { get; }

    /// <summary>Verdicts so far (request, then response).</summary>
    public List<TurnVerdict> Verdicts { get; } = [];

    /// <summary>Actions executed so far.</summary>
    public List<ActionOutcome> Outcomes { get; } = [];

    /// <summary>Metadata for the response (see <see cref="ResponseMetadata"/>).</summary>
    public Dictionary<string, object?> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The block applied, when the call was blocked.</summary>
    public BlockAction? Block { get; set; }

    /// <summary>The verdict that blocked, when the call was blocked.</summary>
    public TurnVerdict? BlockedBy { get; set; }

    /// <summary>True once a block applied.</summary>
    public bool IsBlocked => Block is not null;
}
