using System.Text;

namespace Enaction.Transcripts;

/// <summary>
/// Checks that input bytes are UTF-8 before they are decoded, so a stray byte is an error at its line and column
/// instead of an exception deep in a JSON reader or a silent U+FFFD.
/// </summary>
public static class Utf8Text
{
    /// <summary>The offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1.</summary>
    public static int IndexOfInvalid(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return -1;
        for (var i = 0; i < utf8.Length;)
        {
            if (Rune.DecodeFromUtf8(utf8[i..], out _, out var used) != System.Buffers.OperationStatus.Done) return i;
            i += used;
        }
        return -1;
    }

    /// <summary>The 1-based line and column (in characters) of <paramref name="byteOffset"/>.</summary>
    public static (long Line, long Column) Position(ReadOnlySpan<byte> utf8, long byteOffset)
    {
        long line = 1, column = 1;
        var end = (int)Math.Min(byteOffset, utf8.Length);
        for (var i = 0; i < end; i++)
        {
            if (utf8[i] == (byte)'\n') { line++; column = 1; }
            else if ((utf8[i] & 0xC0) != 0x80) column++;
        }
        return (line, column);
    }

    /// <summary>The problem sentence for an invalid byte at <paramref name="offset"/>.</summary>
    public static string Describe(ReadOnlySpan<byte> utf8, int offset) =>
        FormattableString.Invariant($"byte 0x{utf8[offset]:X2} is not valid UTF-8; expected UTF-8 text (re-save the file as UTF-8)");

    /// <summary>The problem sentence for a JSON string that cannot become text (an unpaired surrogate escape such as \ud800).</summary>
    public static string DescribeUnpaired(string what) =>
        $"{what} holds an unpaired UTF-16 surrogate escape (such as \\ud800) or bytes that are not UTF-8; expected valid Unicode text";
}
