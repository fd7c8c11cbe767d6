namespace Enaction.Provenance;

/// <summary>
/// Where attestations are kept. Append-only: a position attested again (a regenerated answer) gets a new record that
/// supersedes the earlier one, which stays as history. Every lookup is scoped to one tenant, so tenants can share a
/// store. Implementations return rows as stored, without checking MACs; <c>ProvenanceLedger</c> does that, so
/// a tampered row is reported rather than dropped. Implementations report every failure (unreachable, unreadable,
/// replaced, read-only) as an <see cref="AttestationStoreException"/>.
/// </summary>
public interface IAttestationStore
{
    /// <summary>Appends <paramref name="attestation"/>; durable once the task completes.</summary>
    Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default);

    /// <summary>The most recently added record of a tenant for a conversation and message index, or null.</summary>
    Task<Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default);

    /// <summary>Every record of a tenant whose <see cref="Attestation.ContentMac"/> equals <paramref name="contentMac"/>, oldest first.</summary>
    Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default);

    /// <summary>Every record of a tenant's conversation, in the order they were added.</summary>
    Task<IReadOnlyList<Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default);
}
