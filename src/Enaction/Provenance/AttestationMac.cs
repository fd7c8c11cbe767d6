using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Enaction.Provenance;

/// <summary>
/// The two HMAC-SHA256 computations behind attestations, each under its own key derived (HKDF) from the configured
/// secret so a content MAC can never be passed off as a record MAC. Every field is length-prefixed so that field
/// boundaries cannot be shifted, and text is hashed as its UTF-16 code units, so even ill-formed strings are bound exactly.
/// </summary>
internal sealed class AttestationMac
{
    private const int MacBytes = 32;
    private readonly byte[] _contentKey;
    private readonly byte[] _recordKey;

    public AttestationMac(byte[] key)
    {
        _contentKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, MacBytes, salt: [], info: "enaction/provenance/content/v1"u8.ToArray());
        _recordKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, MacBytes, salt: [], info: "enaction/provenance/record/v1"u8.ToArray());
    }

    /// <summary>The content MAC: depends on the exact content only, so a replay elsewhere can be looked up.</summary>
    public byte[] Content(string content)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _contentKey);
        AppendText(hmac, content);
        return hmac.GetHashAndReset();
    }

    /// <summary>The record MAC: binds conversation, index, model, the content MAC and the creation time.</summary>
    public byte[] Record(string conversationId, int messageIndex, string modelId, string contentMac, DateTimeOffset createdAt)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _recordKey);
        AppendText(hmac, conversationId);
        AppendInt64(hmac, messageIndex);
        AppendText(hmac, modelId);
        AppendText(hmac, contentMac);
        AppendInt64(hmac, createdAt.UtcTicks);
        return hmac.GetHashAndReset();
    }

    /// <summary>True when <paramref name="hex"/> is the hex form of <paramref name="mac"/>; constant time in the MAC bytes.</summary>
    public static bool Matches(string? hex, ReadOnlySpan<byte> mac)
    {
        if (hex is null || hex.Length != MacBytes * 2) return false;
        Span<byte> stored = stackalloc byte[MacBytes];
        if (Convert.FromHexString(hex, stored, out _, out var written) != System.Buffers.OperationStatus.Done || written != MacBytes)
            return false;
        return CryptographicOperations.FixedTimeEquals(stored, mac);
    }

    private static void AppendInt64(IncrementalHash hmac, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        hmac.AppendData(buffer);
    }

    private static void AppendText(IncrementalHash hmac, string text)
    {
        // UTF-16LE code units, not UTF-8: an encoder would replace lone surrogates and make two strings collide.
        AppendInt64(hmac, (long)text.Length * 2);
        var bytes = MemoryMarshal.AsBytes(text.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            hmac.AppendData(bytes);
            return;
        }
        Span<byte> unit = stackalloc byte[2];
        foreach (var c in text)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(unit, c);
            hmac.AppendData(unit);
        }
    }
}
