using Enaction.Transcripts;
using Microsoft.Extensions.Logging;

namespace Enaction.Provenance;

/// <summary>
/// Attests assistant messages as the monitored pipeline produces them and verifies the assistant messages of a
/// history against those attestations. Thread-safe; every check of a stored row goes through the record MAC, so a
/// row edited or inserted without the key is reported as <see cref="ProvenanceStatus.Forged"/>, never trusted. An
/// attestation binds the message's content and the history it answered, under keys derived for one tenant.
/// Every store failure surfaces as an <see cref="AttestationStoreException"/>.
/// </summary>
public sealed class ProvenanceLedger
{
    private readonly IAttestationStore _store;
    private readonly AttestationMac _mac;
    private readonly TimeProvider _time;

    /// <summary>Creates a ledger over <paramref name="store"/>, signing with the key and tenant in <paramref name="options"/>.</summary>
    /// <param name="store">Where attestations are kept.</param>
    /// <param name="options">The key, tenant and environment.</param>
    /// <param name="timeProvider">The clock for creation times; the system clock by default.</param>
    /// <param name="logger">Receives the weak-key warning in Development; optional.</param>
    /// <exception cref="ArgumentException">The key is missing, not base64, shorter than 32 bytes, or weak outside
    /// Development; or the tenant is invalid (the message names the setting).</exception>
    public ProvenanceLedger(IAttestationStore store, ProvenanceOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        Tenant = options.GetValidatedTenant();
        var key = options.GetValidatedKey();
        if (logger is not null && ProvenanceOptions.WeakKeyReason(key) is { } reason)
            ProvenanceEvents.WeakKeyAccepted(logger, Tenant, reason, options.Environment ?? "");
        _mac = new AttestationMac(key, Tenant);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The tenant this ledger signs and reads for.</summary>
    public string Tenant { get; }

    /// <summary>
    /// Records that the pipeline produced message <paramref name="messageIndex"/> of <paramref name="transcript"/>
    /// (an assistant message) in answer to the messages before it. Attesting the same position again supersedes the
    /// earlier record.
    /// </summary>
    /// <returns>The stored attestation.</returns>
    /// <exception cref="AttestationStoreException">The store could not write it; <see cref="AttestationStoreException.Unwritten"/> holds the record.</exception>
    public async Task<Attestation> AttestAsync(
        string conversationId, Transcript transcript, int messageIndex, string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentOutOfRangeException.ThrowIfNegative(messageIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(messageIndex, transcript.Count);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        if (transcript[messageIndex].Role != MessageRole.Assistant)
            throw new ArgumentException($"Message {messageIndex} is a {transcript[messageIndex].Role} message; only assistant messages are attested.", nameof(messageIndex));

        // Whole microseconds: what every store (SQLite text, PostgreSQL timestamptz) keeps exactly, so the MAC round-trips.
        var now = _time.GetUtcNow();
        var createdAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        var unsigned = new Attestation(Tenant, conversationId, messageIndex, modelId,
            Convert.ToHexStringLower(_mac.Content(transcript[messageIndex].Content)),
            Convert.ToHexStringLower(_mac.History(transcript, messageIndex)), createdAt, "");
        var attestation = unsigned with { RecordMac = Convert.ToHexStringLower(_mac.Record(unsigned)) };
        try
        {
            await _store.AddAsync(attestation, cancellationToken).ConfigureAwait(false);
        }
        catch (AttestationStoreException e)
        {
            throw new AttestationStoreException(e.Store,
                $"could not write the attestation of message {messageIndex} of conversation {conversationId}: {e.Problem}", e.InnerException ?? e, attestation);
        }
        catch (Exception e) when (!IsCancellation(e, cancellationToken))
        {
            throw new AttestationStoreException(StoreName,
                $"could not write the attestation of message {messageIndex} of conversation {conversationId}: {e.GetType().Name}: {e.Message}", e, attestation);
        }
        return attestation;
    }

    /// <summary>Verifies every assistant message of <paramref name="transcript"/>, indexed by position in the transcript.</summary>
    /// <returns>One verdict per assistant message, in transcript order.</returns>
    /// <exception cref="AttestationStoreException">The store could not be read; no verdict may be trusted.</exception>
    public async Task<IReadOnlyList<MessageProvenance>> VerifyAsync(
        string conversationId, Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(transcript);
        var results = new List<MessageProvenance>();
        for (var i = 0; i < transcript.Count; i++)
        {
            if (transcript[i].Role != MessageRole.Assistant) continue;
            results.Add(await VerifyMessageAsync(conversationId, transcript, i, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>
    /// Verifies message <paramref name="messageIndex"/> of <paramref name="transcript"/>. In order: the current record
    /// for the position fails its MAC → <see cref="ProvenanceStatus.Forged"/>; it matches the content and the history
    /// before it → <see cref="ProvenanceStatus.Attested"/>; it matches the content but the history was edited →
    /// <see cref="ProvenanceStatus.Altered"/>; the content is validly attested elsewhere → <see cref="ProvenanceStatus.Replayed"/>;
    /// only forged records claim the content → <see cref="ProvenanceStatus.Forged"/>; a valid record for the position
    /// holds other content → <see cref="ProvenanceStatus.Altered"/>; otherwise <see cref="ProvenanceStatus.Unattested"/>.
    /// </summary>
    /// <exception cref="AttestationStoreException">The store could not be read; no verdict may be trusted.</exception>
    public async Task<MessageProvenance> VerifyMessageAsync(
        string conversationId, Transcript transcript, int messageIndex, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentOutOfRangeException.ThrowIfNegative(messageIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(messageIndex, transcript.Count);

        var contentMac = _mac.Content(transcript[messageIndex].Content);
        var current = await ReadAsync("find an attestation",
            () => _store.FindAsync(Tenant, conversationId, messageIndex, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            if (!IsAuthentic(current)) return new(messageIndex, ProvenanceStatus.Forged, current);
            if (AttestationMac.Matches(current.ContentMac, contentMac))
            {
                var history = _mac.History(transcript, messageIndex);
                return new(messageIndex, AttestationMac.Matches(current.HistoryMac, history) ? ProvenanceStatus.Attested : ProvenanceStatus.Altered, current);
            }
        }

        var hex = Convert.ToHexStringLower(contentMac);
        var elsewhere = await ReadAsync("find attestations by content",
            () => _store.FindByContentMacAsync(Tenant, hex, cancellationToken), cancellationToken).ConfigureAwait(false);
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
    /// True when <paramref name="attestation"/>'s record MAC verifies under this ledger's key and tenant; use it to
    /// audit the rows <see cref="IAttestationStore.ListAsync"/> returns.
    /// </summary>
    public bool IsAuthentic(Attestation attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (attestation.Tenant is null || attestation.ConversationId is null || attestation.ModelId is null
            || attestation.ContentMac is null || attestation.HistoryMac is null)
            return false;
        return attestation.Tenant == Tenant && AttestationMac.Matches(attestation.RecordMac, _mac.Record(attestation));
    }

    private string StoreName => _store.GetType().Name;

    private static bool IsCancellation(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>Runs a store read; anything but cancellation that is not already the typed failure becomes one.</summary>
    private async Task<T> ReadAsync<T>(string operation, Func<Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not AttestationStoreException && !IsCancellation(e, cancellationToken))
        {
            throw new AttestationStoreException(StoreName, $"could not {operation}: {e.GetType().Name}: {e.Message}", e);
        }
    }
}
