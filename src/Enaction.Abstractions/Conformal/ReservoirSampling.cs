using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Enaction.Conformal;

/// <summary>
/// Reservoir sampling (Vitter's algorithm R) with a seeded, stateless choice of slot: the slot for the t-th turn of a
/// key is a hash of the seed, the key and t. Every store applies this one function inside its own transaction, so a
/// fleet sharing a store keeps one uniform sample whichever instance saw the turn, and the same turns with the same
/// seed give the same reservoir.
/// </summary>
public static class ReservoirSampling
{
    /// <summary>
    /// <paramref name="reservoir"/> after one more turn with <paramref name="score"/>: appended while fewer than
    /// <paramref name="capacity"/> are kept, else it replaces a uniformly chosen slot with probability capacity / (seen + 1).
    /// A reservoir larger than the capacity (the capacity was lowered) is first thinned to a uniform subsample.
    /// </summary>
    public static OwnScoreReservoir Add(OwnScoreReservoir reservoir, double score, int capacity, ulong seed, OwnScoreKey key)
    {
        ArgumentNullException.ThrowIfNull(reservoir);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (!double.IsFinite(score)) throw new ArgumentOutOfRangeException(nameof(score), score, "An own-turn score must be a finite number.");
        var keyHash = KeyHash(key);
        var scores = reservoir.Scores.Length > capacity ? Thin(reservoir.Scores, capacity, seed ^ keyHash, reservoir.Seen) : reservoir.Scores;
        var t = reservoir.Seen;
        if (scores.Length < capacity) return new OwnScoreReservoir(t + 1, scores.Add(score));
        var slot = (long)(Mix(seed ^ keyHash ^ Mix((ulong)t)) % (ulong)(t + 1));
        return new OwnScoreReservoir(t + 1, slot < capacity ? scores.SetItem((int)slot, score) : scores);
    }

    /// <summary>A uniform subsample of <paramref name="count"/> of <paramref name="scores"/> (a seeded partial shuffle).</summary>
    private static ImmutableArray<double> Thin(ImmutableArray<double> scores, int count, ulong seed, long seen)
    {
        var copy = scores.ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = i + (int)(Mix(seed ^ Mix((ulong)seen + (ulong)i)) % (ulong)(copy.Length - i));
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return [.. copy.AsSpan(0, count)];
    }

    private static ulong KeyHash(OwnScoreKey key)
    {
        // Stable across processes and runtimes (string.GetHashCode is randomised per process).
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key.Model + "\n" + key.Agent + "\n" + key.ScoreSpace), digest);
        return BitConverter.ToUInt64(digest);
    }

    /// <summary>SplitMix64's finaliser: a fast bijective mix of 64 bits.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
