using Enaction.Actions;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>
/// One model call under the monitor: it owns the conversation's gate from <see cref="IConversationMonitor.BeginAsync"/>
/// until it is disposed, the request verdict, the response verdicts, and the completion (attestation and audit
/// record), which happens once. Integrations are thin adapters over it:
/// begin → apply the request verdict → call the model → <see cref="JudgeResponseAsync(Transcript, IReadOnlyList{int}, CancellationToken)"/> → apply → <see cref="CompleteAsync"/>.
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
    /// Judges the response as <see cref="JudgeResponseAsync(Transcript, IReadOnlyList{int}, CancellationToken)"/>, where
    /// some generated messages continue a prefill: <paramref name="authoredFrom"/> gives, for such a message, the
    /// character offset where the model's own text begins (the prefill's length, as the generator reported it under
    /// <see cref="GeneratorMetadata.ContinuedPrefill"/>). The prefill is judged as text the model did not write, and
    /// <c>broken-intention</c> reads the boundary. An implementation that does not know boundaries judges the messages whole.
    /// </summary>
    Task<TurnVerdict> JudgeResponseAsync(Transcript transcript, IReadOnlyList<int> generated, IReadOnlyDictionary<int, int> authoredFrom,
        CancellationToken cancellationToken = default) => JudgeResponseAsync(transcript, generated, cancellationToken);

    /// <summary>
    /// Judges a candidate response (a resample) like <see cref="JudgeResponseAsync(Transcript, IReadOnlyList{int}, CancellationToken)"/>, without events, turn counting
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
