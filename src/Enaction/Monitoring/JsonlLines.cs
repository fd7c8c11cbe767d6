using System.Text;
using System.Text.Json;

namespace Enaction.Monitoring;

/// <summary>
/// JSON Lines as the audit recorder writes them: one JSON object a line. Tells a <em>torn</em> line (a record whose
/// writer was cut off mid-write by a crash, a kill or a full disk: valid JSON up to where it stops, with the object
/// never closed) from a malformed one, so readers can skip the first with a warning and keep rejecting the second.
/// </summary>
public static class JsonlLines
{
    /// <summary>The lines of <paramref name="utf8"/> with their 1-based numbers, without their <c>\n</c> or <c>\r\n</c>.</summary>
    public static IEnumerable<(int Number, ReadOnlyMemory<byte> Line)> Split(ReadOnlyMemory<byte> utf8)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var number = 0;
        while (!utf8.IsEmpty)
        {
            number++;
            var end = utf8.Span.IndexOf((byte)'\n');
            var line = end < 0 ? utf8 : utf8[..end];
            if (!line.IsEmpty && line.Span[^1] == (byte)'\r') line = line[..^1];
            yield return (number, line);
            utf8 = end < 0 ? ReadOnlyMemory<byte>.Empty : utf8[(end + 1)..];
        }
    }

    /// <summary>Whether the line is blank (spaces, tabs or nothing).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    /// <summary>
    /// Whether <paramref name="line"/> is the start of a JSON object that stops before the object ends: every byte
    /// up to the cut reads as JSON (a UTF-8 sequence may be cut at the very end) but the closing brace never came.
    /// </summary>
    public static bool IsTorn(ReadOnlySpan<byte> line)
    {
        var trimmed = line.TrimStart(" \t"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{') return false;
        for (var i = 0; i < line.Length;)
        {
            var status = Rune.DecodeFromUtf8(line[i..], out _, out var used);
            if (status == System.Buffers.OperationStatus.NeedMoreData) break; // cut inside a character: only at the end
            if (status != System.Buffers.OperationStatus.Done) return false;
            i += used;
        }
        var reader = new Utf8JsonReader(line, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject) return false;
        }
        catch (JsonException)
        {
            return false;
        }
        return true;
    }
}
