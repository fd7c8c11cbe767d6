namespace Enaction.Conformal;

/// <summary>
/// Where the reservoirs of own-turn scores are kept, by <see cref="OwnScoreKey"/>: in memory, beside the ledger in its
/// SQLite file, or on the fleet's PostgreSQL server. An add is atomic (read, <see cref="ReservoirSampling.Add"/>,
/// write in one transaction), so instances sharing a store keep one sample. Implementations report every failure as an
/// <see cref="Provenance.AttestationStoreException"/>, as the attestation stores do.
/// </summary>
public interface IOwnScoreStore
{
    /// <summary>The key's reservoir, or <see cref="OwnScoreReservoir.Empty"/> when nothing was added under it.</summary>
    Task<OwnScoreReservoir> GetAsync(OwnScoreKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Offers one own turn's <paramref name="score"/> to the key's reservoir (<see cref="ReservoirSampling.Add"/> with
    /// <paramref name="capacity"/> and <paramref name="seed"/>) and returns the reservoir after it; durable once the
    /// task completes.
    /// </summary>
    Task<OwnScoreReservoir> AddAsync(OwnScoreKey key, double score, int capacity, ulong seed, CancellationToken cancellationToken = default);
}
