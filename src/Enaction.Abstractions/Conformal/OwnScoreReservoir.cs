using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Enaction.Conformal;

/// <summary>
/// A bounded uniform sample of the off-policy scores of one key's own turns: every own turn seen so far had the same
/// chance to be in it (reservoir sampling, <see cref="ReservoirSampling"/>).
/// </summary>
/// <param name="Seen">Own turns offered to the reservoir so far (at least <c>Scores.Length</c>).</param>
/// <param name="Scores">The sample, in slot order (not sorted).</param>
public sealed record OwnScoreReservoir(long Seen, ImmutableArray<double> Scores)
{
    /// <summary>A reservoir that has seen nothing.</summary>
    public static OwnScoreReservoir Empty { get; } = new(0, []);

    /// <summary>The scores as little-endian IEEE 754 doubles, 8 bytes each: how stores keep them.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Scores.Length * sizeof(double)];
        for (var i = 0; i < Scores.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), Scores[i]);
        return bytes;
    }

    /// <summary>
    /// Reads what <see cref="ToBytes"/> wrote. Anything else (a length that is not a multiple of 8, a value that is not a
    /// finite number, more scores than turns seen) is null and <paramref name="problem"/> says what was wrong: a store
    /// reports it rather than computing a threshold from a damaged row.
    /// </summary>
    public static OwnScoreReservoir? FromBytes(long seen, ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length % sizeof(double) != 0)
        {
            problem = $"the scores are {bytes.Length} bytes; expected a multiple of 8 (little-endian doubles)";
            return null;
        }
        var count = bytes.Length / sizeof(double);
        if (seen < count)
        {
            problem = $"it holds {count} scores but says it has seen {seen} turns";
            return null;
        }
        var scores = ImmutableArray.CreateBuilder<double>(count);
        for (var i = 0; i < count; i++)
        {
            var value = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * sizeof(double))..]);
            if (!double.IsFinite(value))
            {
                problem = $"score {i} is {value}; expected a finite number";
                return null;
            }
            scores.Add(value);
        }
        return new OwnScoreReservoir(seen, scores.MoveToImmutable());
    }
}
