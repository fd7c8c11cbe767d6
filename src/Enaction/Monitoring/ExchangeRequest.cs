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

    /// <summary>
    /// The sampling temperature the call asks the generator for (<c>ChatOptions.Temperature</c>), or null when it does not
    /// say. With <see cref="TopP"/> it sets the nucleus the model's own turns are judged against
    /// (<see cref="Enaction.Scoring.SamplerNucleus"/>): a deployment that samples above temperature 1 or with top-p 1
    /// writes tokens outside its shipped nucleus, and its own history turns must not count them as foreign.
    /// </summary>
    public double? Temperature { get; init; }

    /// <summary>The nucleus mass the call asks the generator for (<c>ChatOptions.TopP</c>), or null when it does not say.</summary>
    public double? TopP { get; init; }
}
