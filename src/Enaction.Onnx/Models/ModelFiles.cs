using System.Text.Json;

namespace Enaction.Onnx.Models;

/// <summary>Reading the small JSON files of a model directory with errors that name the file, line and column.</summary>
public static class ModelFiles
{
    /// <summary>Parses a JSON file; a missing or malformed file is a <see cref="ModelLoadException"/>.</summary>
    public static JsonDocument ReadJson(string path)
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
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"not valid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}", e);
        }
    }
}
