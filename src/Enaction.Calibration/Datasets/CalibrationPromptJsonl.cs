using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>Reads prompt files (one <see cref="CalibrationPrompt"/> object a line). Errors name the file and line.</summary>
public static class CalibrationPromptJsonl
{
    /// <summary>Reads <paramref name="path"/>; blank lines are skipped and an empty file is an error.</summary>
    public static async Task<IReadOnlyList<CalibrationPrompt>> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new TranscriptFormatException(path, null, null, "no such prompt file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TranscriptFormatException(path, null, null, $"cannot read the file ({e.Message})", e);
        }
        if (Utf8Text.IndexOfInvalid(bytes) is var invalid and >= 0)
        {
            var (line, column) = Utf8Text.Position(bytes, invalid);
            throw new TranscriptFormatException(path, line, column, Utf8Text.Describe(bytes, invalid));
        }
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var lines = text.Split('\n');
        var prompts = new List<CalibrationPrompt>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            prompts.Add(ParseLine(lines[i].TrimEnd('\r'), path, i + 1));
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
                return value.ValueKind == JsonValueKind.String ? Decoded(value, $"\"{name}\"") : throw Error($"\"{name}\" must be a string");
            }
            string Decoded(JsonElement value, string what)
            {
                try
                {
                    return value.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    throw Error(Utf8Text.DescribeUnpaired(what));
                }
            }
            List<string> Strings(string name, string what, bool emptyIsError)
            {
                var result = new List<string>();
                if (!root.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null) return result;
                if (list.ValueKind != JsonValueKind.Array) throw Error($"\"{name}\" must be an array of {what}");
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) throw Error($"\"{name}\" must be an array of {what}");
                    var text = Decoded(item, $"an entry of \"{name}\"");
                    if (!string.IsNullOrWhiteSpace(text)) result.Add(text);
                    else if (emptyIsError) throw Error($"an entry of \"{name}\" is empty");
                }
                return result;
            }
            var prompt = Text("prompt");
            if (string.IsNullOrWhiteSpace(prompt)) throw Error("\"prompt\" is missing or empty");
            var family = Text("family") ?? "unknown";
            // Blank answers are dropped (nothing to score); a blank earlier request is an error (the model would answer nothing).
            var answers = Strings("answers", "strings", emptyIsError: false);
            var history = Strings("history", "earlier requests (strings)", emptyIsError: true);
            var toolCall = Text("tool_call");
            var toolResult = Text("tool_result");
            if ((toolCall is null) != (toolResult is null))
                throw Error("\"tool_call\" and \"tool_result\" go together: give both or neither");
            var shape = Text("shape") ?? ConversationShapes.Single;
            if (string.IsNullOrWhiteSpace(shape)) throw Error("\"shape\" is empty");
            return new CalibrationPrompt(prompt, family, Text("system"), [.. answers], Text("topic"))
            {
                Shape = shape,
                History = [.. history],
                ToolCall = toolCall,
                ToolResult = toolResult,
            };
        }
    }
}
