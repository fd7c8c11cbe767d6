using Enaction.Actions;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>The end of a monitored call: what was finally returned, which messages the pipeline wrote, what was done.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Transcript">The conversation as the host will keep it: the original request plus the returned response.</param>
/// <param name="Verdicts">The request verdict and, when the model was called, the response verdict.</param>
/// <param name="Outcomes">Each action executed, in order.</param>
public sealed record TurnCompletion(
    string ConversationId,
    Transcript Transcript,
    IReadOnlyList<TurnVerdict> Verdicts,
    IReadOnlyList<ActionOutcome> Outcomes)
{
    /// <summary>Messages of <see cref="Transcript"/> the pipeline generated and returned unchanged: these are attested.</summary>
    public IReadOnlyList<int> Generated { get; init; } = [];

    /// <summary>The generator's model id used in attestations.</summary>
    public string? Model { get; init; }
}
