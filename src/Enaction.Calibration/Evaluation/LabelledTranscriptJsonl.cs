using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// Reads and writes off-policy datasets, one JSON object a line:
/// <c>{"messages":[...],"target":I,"off_policy":false,"source":"own","family":"open-ended","prefill_chars":N,"shape":"multi-turn"}</c>.
/// Errors name the file and line.
/// </summary>
public static class LabelledTranscriptJsonl
{
    /// <summary>Reads every line of <paramref name="path"/>; blank lines are skipped.</summary>
    public static async Task<IReadOnlyList<LabelledTranscript>> LoadAsync(string path, CancellationToken cancellationToken = default)
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
        var result = Parse(bytes, path);
        if (result.Count == 0) throw new TranscriptFormatException(path, null, null, "the dataset is empty; expected one labelled transcript a line");
        return result;
    }

    /// <summary>Parses JSONL text; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<LabelledTranscript> Parse(ReadOnlyMemory<byte> utf8, string source = "<input>")
    {
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var list = new List<LabelledTranscript>();
        var line = 0;
        var start = 0;
        var span = utf8.Span;
        while (start <= span.Length)
        {
            line++;
            var end = span[start..].IndexOf((byte)'\n');
            var length = end < 0 ? span.Length - start : end;
            var text = utf8.Slice(start, length);
            if (!text.Span.Trim(" \t\r"u8).IsEmpty) list.Add(ParseLine(text, source, line));
            if (end < 0) break;
            start += length + 1;
        }
        return list;
    }

    /// <summary>Parses one labelled transcript object.</summary>
    public static LabelledTranscript ParseLine(ReadOnlyMemory<byte> utf8, string source, int line)
    {
        var document = TranscriptJson.Parse(utf8, source, line);
        var transcript = document.Transcript;
        var properties = document.Properties;
        TranscriptFormatException Error(string problem) => new(source, line, 1, problem);

        if (!properties.TryGetValue("target", out var targetElement) || targetElement.ValueKind != JsonValueKind.Number || !targetElement.TryGetInt32(out var target))
            throw Error("\"target\" must be the index of the labelled assistant message, e.g. \"target\":2");
        if (target < 0 || target >= transcript.Count)
            throw Error($"\"target\" is {target}, but the transcript has messages 0 to {transcript.Count - 1}");
        if (transcript[target].Role != MessageRole.Assistant)
            throw Error($"\"target\" is {target}, a {transcript[target].Role.ToName()} message; it must be an assistant message");
        if (!properties.TryGetValue("off_policy", out var label) || label.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw Error("\"off_policy\" must be true or false");
        var offPolicy = label.GetBoolean();
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
        var sourceName = properties.TryGetValue("source", out var s) && s.ValueKind == JsonValueKind.String ? Decoded(s, "\"source\"") : offPolicy ? "off-policy" : OffPolicySources.Own;
        if (sourceName.Length == 0) throw Error("\"source\" is empty");
        if (!offPolicy && sourceName != OffPolicySources.Own)
            throw Error($"\"source\" is \"{sourceName}\" but \"off_policy\" is false; on-policy turns have source \"own\"");
        if (offPolicy && sourceName == OffPolicySources.Own)
            throw Error("\"source\" is \"own\" but \"off_policy\" is true");
        var family = properties.TryGetValue("family", out var f) && f.ValueKind == JsonValueKind.String ? Decoded(f, "\"family\"") : "unknown";
        var prefill = 0;
        if (properties.TryGetValue("prefill_chars", out var p))
        {
            if (p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out prefill) || prefill < 0 || prefill > transcript[target].Content.Length)
                throw Error($"\"prefill_chars\" must be a whole number from 0 to the target's length ({transcript[target].Content.Length})");
        }
        var shape = properties.TryGetValue("shape", out var sh) && sh.ValueKind == JsonValueKind.String ? Decoded(sh, "\"shape\"") : ConversationShapes.Single;
        if (shape.Length == 0) throw Error("\"shape\" is empty");
        return new LabelledTranscript(transcript, target, offPolicy, sourceName, family, prefill, shape);
    }

    /// <summary>Writes one example as a single line (no trailing newline).</summary>
    public static string ToLine(LabelledTranscript example)
    {
        ArgumentNullException.ThrowIfNull(example);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            TranscriptJson.WriteMessages(writer, example.Transcript);
            writer.WriteNumber("target", example.Target);
            writer.WriteBoolean("off_policy", example.OffPolicy);
            writer.WriteString("source", example.Source);
            writer.WriteString("family", example.Family);
            if (example.PrefillChars > 0) writer.WriteNumber("prefill_chars", example.PrefillChars);
            if (example.Shape != ConversationShapes.Single) writer.WriteString("shape", example.Shape);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Writes <paramref name="examples"/> to <paramref name="path"/> through a temporary file in the same folder, so a
    /// failure never leaves half a dataset behind.
    /// </summary>
    public static Task SaveAsync(string path, IEnumerable<LabelledTranscript> examples, CancellationToken cancellationToken = default) =>
        Files.OutputFiles.WriteAsync(path, (stream, ct) => WriteAsync(stream, examples, ct), cancellationToken);

    /// <summary>Writes <paramref name="examples"/> to <paramref name="stream"/>, one line each (the stream stays open).</summary>
    public static async Task WriteAsync(Stream stream, IEnumerable<LabelledTranscript> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(examples);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        foreach (var example in examples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteAsync(ToLine(example)).ConfigureAwait(false);
            await writer.WriteAsync('\n').ConfigureAwait(false);
        }
    }
}
