using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Onnx.Calibration;

/// <summary>Reads prompt files (one <see cref="CalibrationPrompt"/> object a line). Errors name the file and line.</summary>
public static class CalibrationPromptJsonl
{
    /// <summary>Reads <paramref name="path"/>; blank lines are skipped and an empty file is an error.</summary>
    public static async Task<IReadOnlyList<CalibrationPrompt>> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new TranscriptFormatException(path, null, null, "no such prompt file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TranscriptFormatException(path, null, null, $"cannot read the file ({e.Message})", e);
        }
        var prompts = new List<CalibrationPrompt>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            prompts.Add(ParseLine(lines[i], path, i + 1));
        }
        if (prompts.Count == 0)
            throw new TranscriptFormatException(path, null, null, "no prompts; expected one {\"prompt\":\"...\",\"family\":\"...\"} object a line");
        return prompts;
    }

    /// <summary>Parses one line.</summary>
    public static CalibrationPrompt ParseLine(string line, string source, int lineNumber)
    {
        TranscriptFormatException Error(string problem, long column = 1) => new(source, lineNumber, column, problem);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw Error("not valid JSON: " + e.Message.Split(" LineNumber:")[0], (e.BytePositionInLine ?? 0) + 1);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error("expected an object {\"prompt\":\"...\",\"family\":\"...\"}");
            string? Text(string name)
            {
                if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
                return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error($"\"{name}\" must be a string");
            }
            var prompt = Text("prompt");
            if (string.IsNullOrWhiteSpace(prompt)) throw Error("\"prompt\" is missing or empty");
            var family = Text("family") ?? "unknown";
            var answers = new List<string>();
            if (root.TryGetProperty("answers", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array) throw Error("\"answers\" must be an array of strings");
                foreach (var a in list.EnumerateArray())
                {
                    if (a.ValueKind != JsonValueKind.String) throw Error("\"answers\" must be an array of strings");
                    if (!string.IsNullOrWhiteSpace(a.GetString())) answers.Add(a.GetString()!);
                }
            }
            return new CalibrationPrompt(prompt, family, Text("system"), [.. answers], Text("topic"));
        }
    }
}
