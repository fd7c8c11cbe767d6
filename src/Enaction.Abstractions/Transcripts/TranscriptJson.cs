using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Enaction.Transcripts;

/// <summary>
/// Reads and writes the transcript file format <c>{"messages":[{"role":"user","content":"..."},...]}</c>.
/// Errors name the file, line and column and what was expected.
/// </summary>
public static class TranscriptJson
{
    /// <summary>Reads a transcript file. Throws <see cref="TranscriptFormatException"/> for anything that is not a valid transcript.</summary>
    public static async Task<TranscriptDocument> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TranscriptFormatException(path, null, null, $"cannot read the file ({e.Message})", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses one transcript object from UTF-8 JSON.</summary>
    /// <param name="utf8">The JSON text.</param>
    /// <param name="source">File name used in error messages.</param>
    /// <param name="firstLine">The 1-based line the text starts on (for JSONL files).</param>
    public static TranscriptDocument Parse(ReadOnlyMemory<byte> utf8, string source = "<input>", int firstLine = 1)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
            throw new TranscriptFormatException(source, firstLine, 1, "the file is empty; expected a JSON object {\"messages\":[...]}");
        if (Utf8Text.IndexOfInvalid(utf8.Span) is var invalid and >= 0)
        {
            var (badLine, badColumn) = Utf8Text.Position(utf8.Span, invalid);
            throw new TranscriptFormatException(source, badLine + firstLine - 1, badColumn, Utf8Text.Describe(utf8.Span, invalid));
        }
        var reader = new Utf8JsonReader(utf8.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var copy = utf8;
        TranscriptFormatException Error(long byteOffset, string problem)
        {
            var (line, column) = Utf8Text.Position(copy.Span, byteOffset);
            return new TranscriptFormatException(source, line + firstLine - 1, column, problem);
        }

        try
        {
            if (!reader.Read()) throw Error(0, "the file is empty; expected a JSON object {\"messages\":[...]}");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error(reader.TokenStartIndex, $"expected a JSON object {{\"messages\":[...]}}, found {Describe(reader.TokenType)}");

            ImmutableArray<TranscriptMessage>? messages = null;
            List<ToolDefinition>? tools = null;
            var extra = ImmutableDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Text(ref reader, Error, "a property name");
                reader.Read();
                if (name == "messages")
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                        throw Error(reader.TokenStartIndex, $"\"messages\" must be an array, found {Describe(reader.TokenType)}");
                    messages = ReadMessages(ref reader, Error);
                }
                else if (name == "tools")
                {
                    var at = reader.TokenStartIndex;
                    using var doc = JsonDocument.ParseValue(ref reader);
                    tools = ReadTools(doc.RootElement, problem => Error(at, problem));
                }
                else
                {
                    using var doc = JsonDocument.ParseValue(ref reader);
                    extra[name] = doc.RootElement.Clone();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw Error(reader.TokenStartIndex, "expected a property name or '}'");
            if (reader.Read())
                throw Error(reader.TokenStartIndex, "unexpected content after the transcript object");
            if (messages is null)
                throw Error(0, "no \"messages\" property; expected {\"messages\":[{\"role\":\"user\",\"content\":\"...\"}]}");
            if (messages.Value.IsEmpty)
                throw Error(0, "the transcript is empty: \"messages\" has no entries");
            return new TranscriptDocument(new Transcript(messages.Value) { Tools = tools }, extra.ToImmutable());
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + firstLine;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new TranscriptFormatException(source, line, column, "not valid JSON: " + TrimJsonMessage(e.Message), e);
        }
    }

    private static ImmutableArray<TranscriptMessage> ReadMessages(ref Utf8JsonReader reader, Func<long, string, TranscriptFormatException> error)
    {
        var list = ImmutableArray.CreateBuilder<TranscriptMessage>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var at = reader.TokenStartIndex;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw error(at, $"message {list.Count} must be an object with \"role\" and \"content\", found {Describe(reader.TokenType)}");
            string? role = null, content = null, name = null, model = null;
            List<ToolCall>? calls = null;
            long roleAt = at;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var prop = Text(ref reader, error, $"a property name of message {list.Count}");
                reader.Read();
                switch (prop)
                {
                    case "role":
                        roleAt = reader.TokenStartIndex;
                        role = reader.TokenType == JsonTokenType.String ? Text(ref reader, error, $"message {list.Count}: \"role\"")
                            : throw error(reader.TokenStartIndex, $"message {list.Count}: \"role\" must be a string");
                        break;
                    case "content":
                        content = reader.TokenType switch
                        {
                            JsonTokenType.String => Text(ref reader, error, $"message {list.Count}: \"content\""),
                            JsonTokenType.Null => "",
                            _ => throw error(reader.TokenStartIndex, $"message {list.Count}: \"content\" must be a string"),
                        };
                        break;
                    case "name":
                        name = reader.TokenType == JsonTokenType.String ? Text(ref reader, error, $"message {list.Count}: \"name\"") : null;
                        break;
                    case "model":
                        model = reader.TokenType switch
                        {
                            JsonTokenType.String => Text(ref reader, error, $"message {list.Count}: \"model\""),
                            JsonTokenType.Null => null,
                            _ => throw error(reader.TokenStartIndex, $"message {list.Count}: \"model\" must be a string (the id of the model that wrote it)"),
                        };
                        break;
                    case "tool_calls":
                        var callsAt = reader.TokenStartIndex;
                        var index = list.Count;
                        using (var doc = JsonDocument.ParseValue(ref reader))
                            calls = ReadToolCalls(doc.RootElement, problem => error(callsAt, $"message {index}: {problem}"));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (role is null) throw error(at, $"message {list.Count} has no \"role\"; expected one of {MessageRoles.Accepted}");
            if (!MessageRoles.TryParse(role, out var parsed))
                throw error(roleAt, $"message {list.Count} has unknown role \"{role}\"; expected one of {MessageRoles.Accepted}");
            if (content is null) throw error(at, $"message {list.Count} has no \"content\"");
            list.Add(new TranscriptMessage(parsed, content, name) { ToolCalls = calls, Model = model });
        }
        return list.ToImmutable();
    }

    /// <summary>The current string token, or an error at it when it cannot become text (an unpaired surrogate escape).</summary>
    private static string Text(ref Utf8JsonReader reader, Func<long, string, TranscriptFormatException> error, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw error(reader.TokenStartIndex, Utf8Text.DescribeUnpaired(what));
        }
    }

    /// <summary>Writes <paramref name="transcript"/> as a transcript object.</summary>
    public static void Write(Utf8JsonWriter writer, Transcript transcript)
    {
        writer.WriteStartObject();
        WriteMessages(writer, transcript);
        if (transcript.Tools is { Count: > 0 })
        {
            writer.WritePropertyName("tools");
            WriteTools(writer, transcript.Tools);
        }
        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>"messages"</c> property (for callers that add properties of their own).</summary>
    public static void WriteMessages(Utf8JsonWriter writer, Transcript transcript)
    {
        writer.WriteStartArray("messages");
        foreach (var m in transcript.Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", m.Role.ToName());
            writer.WriteString("content", m.Content);
            if (m.Name is not null) writer.WriteString("name", m.Name);
            if (m.Model is not null) writer.WriteString("model", m.Model);
            if (m.ToolCalls is { Count: > 0 })
            {
                writer.WritePropertyName("tool_calls");
                WriteToolCalls(writer, m.ToolCalls);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>The transcript as an indented JSON string.</summary>
    public static string ToJson(Transcript transcript)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            Write(writer, transcript);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static string TrimJsonMessage(string message)
    {
        // System.Text.Json appends its own " LineNumber: x | BytePositionInLine: y." which we already report.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>
    /// <c>"tools"</c>: function definitions in the OpenAI / Hugging Face form
    /// <c>[{"type": "function", "function": {"name", "description", "parameters"}}]</c>.
    /// </summary>
    private static List<ToolDefinition> ReadTools(JsonElement tools, Func<string, TranscriptFormatException> error)
    {
        if (tools.ValueKind != JsonValueKind.Array) throw error("\"tools\" must be an array of {\"type\": \"function\", \"function\": {...}}");
        var result = new List<ToolDefinition>();
        foreach (var tool in tools.EnumerateArray())
        {
            var function = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var f) ? f : tool;
            if (function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw error($"tool {result.Count} needs \"function\": {{\"name\": \"...\"}}");
            var description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var parameters = function.TryGetProperty("parameters", out var p) ? p.GetRawText() : "{}";
            result.Add(new ToolDefinition(name.GetString()!, description, parameters));
        }
        return result;
    }

    /// <summary>
    /// <c>"tool_calls"</c> of a message: <c>[{"type": "function", "id"?, "function": {"name", "arguments"}}]</c>, the
    /// arguments an object or a JSON string.
    /// </summary>
    private static List<ToolCall> ReadToolCalls(JsonElement calls, Func<string, TranscriptFormatException> error)
    {
        if (calls.ValueKind != JsonValueKind.Array) throw error("\"tool_calls\" must be an array");
        var result = new List<ToolCall>();
        foreach (var call in calls.EnumerateArray())
        {
            var function = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var f) ? f : call;
            if (function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw error($"tool call {result.Count} needs \"function\": {{\"name\": \"...\", \"arguments\": {{...}}}}");
            var arguments = !function.TryGetProperty("arguments", out var a) || a.ValueKind == JsonValueKind.Null ? "{}"
                : a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText();
            var id = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            result.Add(new ToolCall(name.GetString()!, arguments, id));
        }
        return result;
    }

    /// <summary>
    /// Writes tool definitions as the array chat templates receive:
    /// <c>[{"type": "function", "function": {"name", "description", "parameters"}}]</c>.
    /// </summary>
    public static void WriteTools(Utf8JsonWriter writer, IReadOnlyList<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tools);
        writer.WriteStartArray();
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", tool.Name);
            if (tool.Description is not null) writer.WriteString("description", tool.Description);
            writer.WritePropertyName("parameters");
            WriteJson(writer, tool.ParametersJson);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>
    /// Writes a message's tool calls as the array chat templates receive:
    /// <c>[{"type": "function", "id"?, "function": {"name", "arguments": {...}}}]</c>.
    /// </summary>
    public static void WriteToolCalls(Utf8JsonWriter writer, IReadOnlyList<ToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(calls);
        writer.WriteStartArray();
        foreach (var call in calls)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            if (call.Id is not null) writer.WriteString("id", call.Id);
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("arguments");
            WriteJson(writer, call.ArgumentsJson);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Writes JSON text as JSON, or as a string when it does not parse (arguments a caller wrote as plain text).</summary>
    private static void WriteJson(Utf8JsonWriter writer, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            doc.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(json);
        }
    }
}
