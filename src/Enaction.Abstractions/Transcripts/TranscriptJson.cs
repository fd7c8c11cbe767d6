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
            return new TranscriptDocument(new Transcript(messages.Value), extra.ToImmutable());
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
            string? role = null, content = null, name = null;
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
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (role is null) throw error(at, $"message {list.Count} has no \"role\"; expected one of {MessageRoles.Accepted}");
            if (!MessageRoles.TryParse(role, out var parsed))
                throw error(roleAt, $"message {list.Count} has unknown role \"{role}\"; expected one of {MessageRoles.Accepted}");
            if (content is null) throw error(at, $"message {list.Count} has no \"content\"");
            list.Add(new TranscriptMessage(parsed, content, name));
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
}
