using Enaction.Actions;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>
/// One model call under the monitor: it owns the conversation's gate from <see cref="IConversationMonitor.BeginAsync"/>
/// until it is disposed, the request verdict, the response verdicts, and the completion (attestation and audit
/// record), which happens once. Integrations are thin adapters over it:
/// begin → apply the request verdict → call the model → <see cref="JudgeResponseAsync"/> → apply → <see cref="CompleteAsync"/>.
/// </summary>
public interface IMonitoredExchange : IAsyncDisposable
{
    /// <summary>The conversation.</summary>
    ConversationIdentity Conversation { get; }

    /// <summary>The call's budget, verdicts, action outcomes and response metadata.</summary>
    MonitoredCall Call { get; }

    /// <summary>The verdict on the request, judged when the exchange began.</summary>
    TurnVerdict RequestVerdict { get; }

    /// <summary>
    /// Judges the response: <paramref name="transcript"/> is the request as sent plus the generated messages, whose
    /// indices are <paramref name="generated"/>.
    /// </summary>
    Task<TurnVerdict> JudgeResponseAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default);

    /// <summary>
    /// Judges a candidate response (a resample) like <see cref="JudgeResponseAsync"/>, without events, turn counting
    /// or records.
    /// </summary>
    Task<TurnVerdict> JudgeCandidateAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the call once: <paramref name="transcript"/> is the conversation as the host keeps it (the original request
    /// plus what was returned), <paramref name="generated"/> the messages the pipeline wrote and returned unchanged.
    /// Those are attested and the audit record written. A write that fails follows the policy's failure mode:
    /// fail-open reports it as an error event (with the record) and returns; fail-closed throws
    /// <see cref="EnactionRecordingException"/>, which carries the response so it is never lost.
    /// </summary>
    Task CompleteAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default);
}
