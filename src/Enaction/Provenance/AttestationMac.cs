using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Enaction.Transcripts;

namespace Enaction.Provenance;

/// <summary>
/// The three HMAC-SHA256 computations behind attestations (content, history, record), each under its own key derived
/// (HKDF) from the configured secret and the tenant, so a content MAC can never be passed off as a record MAC and a
/// record signed for one tenant never verifies for another under the same master key. Every field is length-prefixed
/// so that field boundaries cannot be shifted, and text is hashed as its UTF-16 code units, so even ill-formed strings
/// are bound exactly.
/// </summary>
internal sealed class AttestationMac
{
    private const int MacBytes = 32;
    private readonly byte[] _contentKey;
    private readonly byte[] _historyKey;
    private readonly byte[] _recordKey;

    public AttestationMac(byte[] key, string tenant)
    {
        _contentKey = Derive(key, "content", tenant);
        _historyKey = Derive(key, "history", tenant);
        _recordKey = Derive(key, "record", tenant);
    }

    private static byte[] Derive(byte[] key, string purpose, string tenant) =>
        // The tenant is the whole tail of the info string, so "a" + "/b" and "a/" + "b" cannot collide.
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, MacBytes, salt: [], info: Encoding.UTF8.GetBytes($"enaction/provenance/{purpose}/v2/{tenant}"));

    /// <summary>The content MAC: depends on the exact content only, so a replay elsewhere can be looked up.</summary>
    public byte[] Content(string content)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _contentKey);
        AppendText(hmac, content);
        return hmac.GetHashAndReset();
    }

    /// <summary>The history MAC: the role and exact content of the first <paramref name="count"/> messages, in order.</summary>
    public byte[] History(Transcript transcript, int count)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _historyKey);
        AppendInt64(hmac, count);
        for (var i = 0; i < count; i++)
        {
            var message = transcript[i];
            AppendInt64(hmac, (long)message.Role);
            AppendText(hmac, message.Content);
        }
        return hmac.GetHashAndReset();
    }

    /// <summary>The record MAC: binds tenant, conversation, index, model, the content and history MACs and the creation time.</summary>
    public byte[] Record(Attestation a)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _recordKey);
        AppendText(hmac, a.Tenant);
        AppendText(hmac, a.ConversationId);
        AppendInt64(hmac, a.MessageIndex);
        AppendText(hmac, a.ModelId);
        AppendText(hmac, a.ContentMac);
        AppendText(hmac, a.HistoryMac);
        AppendInt64(hmac, a.CreatedAt.UtcTicks);
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
