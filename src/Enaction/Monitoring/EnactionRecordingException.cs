using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>
/// Thrown by <see cref="IMonitoredExchange.CompleteAsync"/> under a fail-closed policy when the attestation or the
/// audit record could not be written. The response was generated and is carried here, so it is never lost; the
/// record that could not be written went to the error event (<see cref="MonitorEventIds.RecordingFailed"/>).
/// </summary>
public sealed class EnactionRecordingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EnactionRecordingException(string conversationId, string what, Transcript transcript, Exception inner)
        : base($"Conversation {conversationId}: the {what} could not be written ({inner?.Message}); the policy is fail-closed, so the response is withheld from the conversation. It is on {nameof(EnactionRecordingException)}.{nameof(Transcript)}.", inner)
    {
        ConversationId = conversationId;
        What = what;
        Transcript = transcript;
    }

    /// <summary>The conversation.</summary>
    public string ConversationId { get; }

    /// <summary>What failed: "attestation" or "audit record".</summary>
    public string What { get; }

    /// <summary>The conversation with the generated response, as it would have been kept.</summary>
    public Transcript Transcript { get; }
}
