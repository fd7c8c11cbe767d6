using Enaction.Transcripts;

namespace Enaction.Provenance;

/// <summary>
/// Attests assistant messages as the monitored pipeline produces them and verifies the assistant messages of a
/// history against those attestations. Thread-safe; every check of a stored row goes through the record MAC, so a
/// row edited or inserted without the key is reported as <see cref="ProvenanceStatus.Forged"/>, never trusted.
/// </summary>
public sealed class ProvenanceLedger
{
    private readonly IAttestationStore _store;
    private readonly AttestationMac _mac;
    private readonly TimeProvider _time;

    /// <summary>Creates a ledger over <paramref name="store"/>, signing with the key in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The key is missing, not base64 or shorter than 32 bytes (the message names <c>Enaction:Provenance:Key</c>).</exception>
    public ProvenanceLedger(IAttestationStore store, ProvenanceOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _mac = new AttestationMac(options.GetValidatedKey());
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Records that the pipeline produced <paramref name="content"/> as message <paramref name="messageIndex"/> of
    /// <paramref name="conversationId"/>. Attesting the same position again supersedes the earlier record.
    /// </summary>
    /// <returns>The stored attestation.</returns>
    public async Task<Attestation> AttestAsync(
        string conversationId, int messageIndex, string modelId, string content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(messageIndex);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentNullException.ThrowIfNull(content);

        var contentMac = Convert.ToHexStringLower(_mac.Content(content));
        var createdAt = _time.GetUtcNow();
        var recordMac = Convert.ToHexStringLower(_mac.Record(conversationId, messageIndex, modelId, contentMac, createdAt));
        var attestation = new Attestation(conversationId, messageIndex, modelId, contentMac, createdAt, recordMac);
        await _store.AddAsync(attestation, cancellationToken).ConfigureAwait(false);
        return attestation;
    }

    /// <summary>Verifies every assistant message of <paramref name="transcript"/>, indexed by position in the transcript.</summary>
    /// <returns>One verdict per assistant message, in transcript order.</returns>
    public async Task<IReadOnlyList<MessageProvenance>> VerifyAsync(
        string conversationId, Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(transcript);
        var results = new List<MessageProvenance>();
        for (var i = 0; i < transcript.Count; i++)
        {
            var message = transcript[i];
            if (message.Role != MessageRole.Assistant) continue;
            results.Add(await VerifyMessageAsync(conversationId, i, message.Content, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>
    /// Verifies one message. In order: the current record for the position fails its MAC → <see cref="ProvenanceStatus.Forged"/>;
    /// it matches the content → <see cref="ProvenanceStatus.Attested"/>; the content is validly attested elsewhere →
    /// <see cref="ProvenanceStatus.Replayed"/>; only forged records claim the content → <see cref="ProvenanceStatus.Forged"/>;
    /// a valid record for the position holds other content → <see cref="ProvenanceStatus.Altered"/>; otherwise
    /// <see cref="ProvenanceStatus.Unattested"/>.
    /// </summary>
    public async Task<MessageProvenance> VerifyMessageAsync(
        string conversationId, int messageIndex, string content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(messageIndex);
        ArgumentNullException.ThrowIfNull(content);

        var contentMac = _mac.Content(content);
        var current = await _store.FindAsync(conversationId, messageIndex, cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            if (!IsAuthentic(current)) return new(messageIndex, ProvenanceStatus.Forged, current);
            if (AttestationMac.Matches(current.ContentMac, contentMac)) return new(messageIndex, ProvenanceStatus.Attested, current);
        }

        var elsewhere = await _store.FindByContentMacAsync(Convert.ToHexStringLower(contentMac), cancellationToken).ConfigureAwait(false);
        Attestation? forged = null;
        foreach (var candidate in elsewhere)
        {
            if (IsAuthentic(candidate)) return new(messageIndex, ProvenanceStatus.Replayed, candidate);
            forged ??= candidate;
        }
        if (forged is not null) return new(messageIndex, ProvenanceStatus.Forged, forged);
        return current is not null
            ? new(messageIndex, ProvenanceStatus.Altered, current)
            : new(messageIndex, ProvenanceStatus.Unattested, null);
    }

    /// <summary>
    /// True when <paramref name="attestation"/>'s record MAC verifies under this ledger's key; use it to audit the rows
    /// <see cref="IAttestationStore.ListAsync"/> returns.
    /// </summary>
    public bool IsAuthentic(Attestation attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (attestation.ConversationId is null || attestation.ModelId is null || attestation.ContentMac is null) return false;
        var expected = _mac.Record(attestation.ConversationId, attestation.MessageIndex, attestation.ModelId,
            attestation.ContentMac, attestation.CreatedAt);
        return AttestationMac.Matches(attestation.RecordMac, expected);
    }
}
