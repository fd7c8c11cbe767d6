using System.Text.Json;
using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tokenization;

/// <summary>Reads the JSON files of a model directory, turning syntax errors into <see cref="ModelLoadException"/>s with line and column.</summary>
internal static class ModelJson
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    /// <summary>Parses <paramref name="path"/>, or returns null when it does not exist.</summary>
    public static JsonDocument? TryLoad(string path) => File.Exists(path) ? Load(path) : null;

    /// <summary>Parses <paramref name="path"/>; the caller disposes the document.</summary>
    public static JsonDocument Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(path, $"cannot read the file ({e.Message})", e);
        }
        var utf8 = bytes.AsMemory();
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        try
        {
            return JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new ModelLoadException(path, $"not valid JSON at line {line}, column {column}: {message}", e);
        }
    }

    /// <summary>A string property, or the <c>content</c> of an object property (the form HF uses for special tokens).</summary>
    public static string? TokenString(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => null,
        };
    }

    /// <summary>A boolean property, or null when absent or not a boolean.</summary>
    public static bool? Bool(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null }
            : null;

    /// <summary>A string property, or null.</summary>
    public static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}
