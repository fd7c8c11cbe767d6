namespace Enaction.Provenance;

/// <summary>A thread-safe <see cref="IAttestationStore"/> in process memory, for tests and single-process hosts
/// that need no history across restarts.</summary>
public sealed class InMemoryAttestationStore : IAttestationStore
{
    private readonly Lock _gate = new();
    private readonly List<Attestation> _records = [];

    /// <inheritdoc />
    public Task AddAsync(Attestation attestation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate) _records.Add(attestation);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Attestation?> FindAsync(string tenant, string conversationId, int messageIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            for (var i = _records.Count - 1; i >= 0; i--)
            {
                var r = _records[i];
                if (r.MessageIndex == messageIndex && r.ConversationId == conversationId && r.Tenant == tenant)
                    return Task.FromResult<Attestation?>(r);
            }
        }
        return Task.FromResult<Attestation?>(null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> FindByContentMacAsync(string tenant, string contentMac, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(contentMac);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
            return Task.FromResult<IReadOnlyList<Attestation>>(_records.Where(r => r.ContentMac == contentMac && r.Tenant == tenant).ToArray());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Attestation>> ListAsync(string tenant, string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
            return Task.FromResult<IReadOnlyList<Attestation>>(_records.Where(r => r.ConversationId == conversationId && r.Tenant == tenant).ToArray());
    }
}
