namespace Enaction.Conformal;

/// <summary>A thread-safe <see cref="IOwnScoreStore"/> in process memory: the reservoirs last as long as the process.</summary>
public sealed class InMemoryOwnScoreStore : IOwnScoreStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<OwnScoreKey, OwnScoreReservoir> _reservoirs = [];

    /// <inheritdoc />
    public Task<OwnScoreReservoir> GetAsync(OwnScoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate) return Task.FromResult(_reservoirs.GetValueOrDefault(key) ?? OwnScoreReservoir.Empty);
    }

    /// <inheritdoc />
    public Task<OwnScoreReservoir> AddAsync(OwnScoreKey key, double score, int capacity, ulong seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var after = ReservoirSampling.Add(_reservoirs.GetValueOrDefault(key) ?? OwnScoreReservoir.Empty, score, capacity, seed, key);
            _reservoirs[key] = after;
            return Task.FromResult(after);
        }
    }
}
