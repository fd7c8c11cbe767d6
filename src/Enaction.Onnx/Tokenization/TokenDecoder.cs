using System.Text;
using System.Text.Json;
using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// The <c>decoder</c> of a <c>tokenizer.json</c>: how token strings become text. <c>ByteLevel</c> (GPT-2's byte
/// alphabet), or a Sequence of <c>Replace</c>, <c>ByteFallback</c>, <c>Fuse</c> and <c>Strip</c> (Gemma, converted
/// SentencePiece files). Anything else is a <see cref="ModelLoadException"/> naming the component.
/// </summary>
internal sealed class TokenDecoder
{
    private readonly List<(string Pattern, string Content)> _replacements = [];
    private int _stripStart;
    private string _stripContent = "";

    private TokenDecoder(bool byteLevel) => ByteLevel = byteLevel;

    /// <summary>The GPT-2 byte-level decoder.</summary>
    public static TokenDecoder ByteLevelDecoder { get; } = new(true);

    /// <summary>Whether tokens are spelled in GPT-2's byte alphabet.</summary>
    public bool ByteLevel { get; }

    /// <summary>Reads the <c>decoder</c> element of <paramref name="path"/> (absent: tokens are their own text).</summary>
    public static TokenDecoder Load(string path, JsonElement decoder)
    {
        if (decoder.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return new TokenDecoder(false);
        var result = new TokenDecoder(Contains(decoder, "ByteLevel"));
        if (!result.ByteLevel) result.Read(path, decoder);
        return result;
    }

    private static bool Contains(JsonElement decoder, string type)
    {
        if (ModelJson.String(decoder, "type") == type) return true;
        if (decoder.TryGetProperty("decoders", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var d in list.EnumerateArray())
                if (Contains(d, type)) return true;
        return false;
    }

    private void Read(string path, JsonElement d)
    {
        var type = ModelJson.String(d, "type");
        switch (type)
        {
            case "Sequence":
                if (d.TryGetProperty("decoders", out var list) && list.ValueKind == JsonValueKind.Array)
                    foreach (var item in list.EnumerateArray()) Read(path, item);
                break;
            case "Replace":
                d.TryGetProperty("pattern", out var pattern);
                var literal = ModelJson.String(pattern, "String")
                    ?? throw new ModelLoadException(path, "decoder Replace is supported with a {\"String\": ...} pattern only");
                _replacements.Add((literal, ModelJson.String(d, "content") ?? ""));
                break;
            case "ByteFallback" or "Fuse":
                break; // byte tokens are always read as bytes, and the text is always fused
            case "Strip":
                _stripContent = ModelJson.String(d, "content") ?? " ";
                _stripStart = d.TryGetProperty("start", out var s) && s.TryGetInt32(out var n) ? n : 0;
                break;
            default:
                throw new ModelLoadException(path, $"decoder \"{type}\" is not supported; expected ByteLevel, or Replace, ByteFallback, Fuse and Strip");
        }
    }

    /// <summary>The bytes a vocabulary entry stands for: GPT-2 alphabet, a <c>&lt;0xNN&gt;</c> byte token, or its text after the replacements.</summary>
    public byte[]? Bytes(string token, bool byteFallback)
    {
        if (ByteLevel) return ByteLevelAlphabet.ToBytes(token);
        if (byteFallback && token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b))
            return [b];
        foreach (var (pattern, content) in _replacements) token = token.Replace(pattern, content, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(token);
    }

    /// <summary>
    /// The text of <paramref name="ids"/>. Added tokens are written as their content, through the replacements of a
    /// character-level decoder (Gemma's "▁▁" token is two spaces), as HF passes them through its decoder too.
    /// </summary>
    public string Decode(int[] ids, IReadOnlyDictionary<int, string> addedById, Func<int, byte[]?> tokenBytes)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (addedById.TryGetValue(id, out var added))
            {
                Flush(bytes, text);
                if (!ByteLevel)
                    foreach (var (pattern, content) in _replacements) added = added.Replace(pattern, content, StringComparison.Ordinal);
                text.Append(added);
            }
            else if (tokenBytes(id) is { } b) bytes.AddRange(b);
        }
        Flush(bytes, text);
        var result = text.ToString();
        for (var i = 0; i < _stripStart && _stripContent.Length > 0 && result.StartsWith(_stripContent, StringComparison.Ordinal); i++)
            result = result[_stripContent.Length..];
        return result;
    }

    private static void Flush(List<byte> bytes, StringBuilder text)
    {
        if (bytes.Count == 0) return;
        text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
        bytes.Clear();
    }
}
