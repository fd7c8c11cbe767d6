using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Transcripts;

namespace Enaction.Realism;

/// <summary>
/// Reads an evaluation set, one transcript a line: <c>{"messages":[{"role":"user","content":"..."},
/// {"role":"assistant","content":"...","synthetic":true,"keep":"regex"}]}</c>. <c>"synthetic": true</c> marks an
/// assistant turn the eval wrote; a transcript with no marks has every assistant turn treated as synthetic.
/// <c>"keep"</c> is a .NET regular expression a replacement of that turn must match. Errors name the file, line and
/// message.
/// </summary>
public static class EvalTranscriptJsonl
{
    /// <summary>How long one match of a <c>"keep"</c> expression may run before it counts as not kept.</summary>
    public static TimeSpan KeepMatchTimeout { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Reads every non-blank line of <paramref name="path"/>.</summary>
    /// <exception cref="TranscriptFormatException">The file is missing, unreadable or empty, or a line is not an eval transcript.</exception>
    public static async Task<IReadOnlyList<EvalTranscript>> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new TranscriptFormatException(path, null, null, "no such file; expected eval transcripts, one {\"messages\":[...]} a line");
        var result = new List<EvalTranscript>();
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                number++;
                if (!string.IsNullOrWhiteSpace(line)) result.Add(ParseLine(Encoding.UTF8.GetBytes(line), path, number));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TranscriptFormatException(path, null, null, $"cannot read the file ({e.Message})", e);
        }
        if (result.Count == 0) throw new TranscriptFormatException(path, null, null, "the file is empty; expected eval transcripts, one {\"messages\":[...]} a line");
        return result;
    }

    /// <summary>Parses one eval transcript object found on line <paramref name="line"/> of <paramref name="source"/>.</summary>
    public static EvalTranscript ParseLine(ReadOnlyMemory<byte> utf8, string source, int line)
    {
        // The transcript parser checks the shape and names line and column; the marks are read from the same text.
        var transcript = TranscriptJson.Parse(utf8, source, line).Transcript;
        TranscriptFormatException Error(int message, string problem) => new(source, line, 1, $"message {message}: {problem}");

        using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var messages = document.RootElement.GetProperty("messages");
        var marked = new List<int>();
        var unmarked = new List<int>();
        var anyMark = false;
        var keep = ImmutableDictionary.CreateBuilder<int, Regex>();
        var index = 0;
        foreach (var element in messages.EnumerateArray())
        {
            var assistant = transcript[index].Role == MessageRole.Assistant;
            if (element.TryGetProperty("synthetic", out var synthetic))
            {
                if (synthetic.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw Error(index, "\"synthetic\" must be true or false");
                if (!assistant)
                    throw Error(index, $"\"synthetic\" marks assistant turns only; this is a {transcript[index].Role.ToName()} message");
                anyMark = true;
                if (synthetic.ValueKind == JsonValueKind.True) marked.Add(index);
            }
            else if (assistant)
            {
                unmarked.Add(index);
            }
            if (element.TryGetProperty("keep", out var pattern))
            {
                if (pattern.ValueKind != JsonValueKind.String) throw Error(index, "\"keep\" must be a regular expression in a string");
                if (!assistant) throw Error(index, $"\"keep\" applies to assistant turns only; this is a {transcript[index].Role.ToName()} message");
                keep[index] = Compile(pattern.GetString()!, problem => Error(index, problem));
            }
            index++;
        }

        var syntheticTurns = anyMark ? marked : [.. marked, .. unmarked];
        syntheticTurns.Sort();
        foreach (var m in keep.Keys)
            if (!syntheticTurns.Contains(m))
                throw Error(m, "\"keep\" is set on a turn marked \"synthetic\": false; only synthetic turns are replaced");
        return new EvalTranscript(line, transcript, [.. syntheticTurns], keep.ToImmutable());
    }

    /// <summary>
    /// <paramref name="eval"/> as one line with <paramref name="messages"/> in place of its messages (the same count,
    /// for example with replaced turns), keeping the <c>"synthetic"</c> marks and <c>"keep"</c> expressions.
    /// </summary>
    public static string ToLine(EvalTranscript eval, Transcript messages)
    {
        ArgumentNullException.ThrowIfNull(eval);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count != eval.Transcript.Count) throw new ArgumentException("the messages must match the eval transcript's one for one", nameof(messages));
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            for (var m = 0; m < messages.Count; m++)
            {
                var message = messages[m];
                writer.WriteStartObject();
                writer.WriteString("role", message.Role.ToName());
                writer.WriteString("content", message.Content);
                if (message.Name is not null) writer.WriteString("name", message.Name);
                if (message.Role == MessageRole.Assistant) writer.WriteBoolean("synthetic", eval.Synthetic.Contains(m));
                if (eval.Keep.TryGetValue(m, out var keep)) writer.WriteString("keep", keep.ToString());
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Regex Compile(string pattern, Func<string, TranscriptFormatException> error)
    {
        if (pattern.Length == 0) throw error("\"keep\" is empty; give a regular expression the replacement must match, or leave \"keep\" out");
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, KeepMatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw error($"\"keep\" is not a valid regular expression: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
