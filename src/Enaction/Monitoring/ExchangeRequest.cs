using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>What a call brings to the monitor before the model runs.</summary>
/// <param name="Conversation">The conversation (see <see cref="ConversationIds.Resolve"/>).</param>
/// <param name="Transcript">The request as the model will see it.</param>
public sealed record ExchangeRequest(ConversationIdentity Conversation, Transcript Transcript)
{
    /// <summary>The agent policies can match on.</summary>
    public string? Agent { get; init; }

    /// <summary>The kernel function (prompt function or tool) policies can match on.</summary>
    public string? Function { get; init; }

    /// <summary>The generator's model id, when known before the call.</summary>
    public string? Model { get; init; }

    /// <summary>True when the response streams to the caller before it is judged (resampling is then impossible).</summary>
    public bool Streaming { get; init; }
}
