using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Reporting.Inputs;

/// <summary>
/// Reads a JSONL file of audit records or of transcripts, telling them apart by the first line. Every line is
/// parsed and checked (stage names, severities, finding spans inside their message) before the file is returned,
/// so a command fails on a bad line before it prints or writes anything.
/// </summary>
public static class TurnInputReader
{
    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="TurnInputException">The file is missing, empty, or a line is not a record (or transcript).</exception>
    /// <exception cref="TranscriptFormatException">A transcript line is malformed (the message names file:line:column).</exception>
    public static async Task<TurnInput> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new TurnInputException(path, null, "no such file; expected audit records (JSONL) or transcripts (JSONL)");

        byte[] bytes;
        try
        {
            // Shared read: the monitor may still be appending to today's audit file.
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            bytes = memory.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TurnInputException(path, null, $"cannot read the file ({e.Message})", e);
        }

        var records = ImmutableArray.CreateBuilder<(int, TurnRecord)>();
        var transcripts = ImmutableArray.CreateBuilder<(int, Transcript)>();
        var warnings = ImmutableArray.CreateBuilder<string>();
        TurnInputKind? kind = null;
        foreach (var (number, line) in JsonlLines.Split(bytes))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (JsonlLines.IsBlank(line.Span)) continue;
            if (JsonlLines.IsTorn(line.Span))
            {
                // A writer cut off mid-record (a crash, a kill, a full disk): the rest of the file is still good.
                warnings.Add(FormattableString.Invariant($"{path}:{number}: skipped a torn line ({line.Length} bytes of a record that was never finished)"));
                continue;
            }
            if (Utf8Text.IndexOfInvalid(line.Span) is var invalid and >= 0)
                throw new TurnInputException(path, number, Utf8Text.Describe(line.Span, invalid));
            kind ??= Classify(line, path, number);
            if (kind == TurnInputKind.Records) records.Add((number, ParseRecord(line, path, number)));
            else transcripts.Add((number, TranscriptJson.Parse(line, path, number).Transcript));
        }
        if (kind is null)
            throw new TurnInputException(path, null, warnings.Count == 0
                ? "the file is empty; expected one audit record or transcript per line"
                : "the file holds only a torn line; expected one audit record or transcript per line");
        return new TurnInput(path, kind.Value, records.ToImmutable(), transcripts.ToImmutable()) { Warnings = warnings.ToImmutable() };
    }

    private static TurnInputKind Classify(ReadOnlyMemory<byte> line, string path, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new TurnInputException(path, number, "expected a JSON object: an audit record or {\"messages\":[...]}");
            var root = document.RootElement;
            if (root.TryGetProperty("stages", out _) || root.TryGetProperty("conversation_id", out _)) return TurnInputKind.Records;
            if (root.TryGetProperty("messages", out _)) return TurnInputKind.Transcripts;
            throw new TurnInputException(path, number, "neither an audit record (no \"stages\") nor a transcript (no \"messages\")");
        }
        catch (JsonException e)
        {
            throw new TurnInputException(path, number, "not valid JSON: " + Trim(e.Message), e);
        }
    }

    private static TurnRecord ParseRecord(ReadOnlyMemory<byte> line, string path, int number)
    {
        TurnRecord? record;
        try
        {
            record = AuditJson.Read(line.Span);
        }
        catch (JsonException e)
        {
            throw new TurnInputException(path, number, "not a valid audit record: " + Trim(e.Message), e);
        }
        catch (InvalidOperationException e)
        {
            throw new TurnInputException(path, number, Utf8Text.DescribeUnpaired("a text field"), e);
        }
        if (record is null) throw new TurnInputException(path, number, "expected an audit record object, found null");
        Validate(record, path, number);
        return record;
    }

    private static void Validate(TurnRecord record, string path, int number)
    {
        TurnInputException Error(string problem) => new(path, number, problem);
        if (record.Version != 1) throw Error($"audit record format version {record.Version}; this build reads version 1");
        // "required" only means present: an explicit null still deserializes, and would fail far from the line.
        if (record.Messages is null || record.Generated is null || record.Stages is null || record.Actions is null || record.ConversationId is null)
            throw Error("\"conversation_id\", \"messages\", \"generated\", \"stages\" and \"actions\" must not be null");
        if (record.Messages.Count == 0) throw Error("the record has no messages");
        if (record.Messages.Any(m => m is null || m.Role is null || m.Content is null)) throw Error("every message needs a \"role\" and a \"content\"");
        if (record.Stages.Any(s => s is null || s.Stage is null || s.Policy is null || s.Rules is null || s.Decision is null || s.Findings is null || s.Scores is null))
            throw Error("every stage needs \"stage\", \"policy\", \"rules\", \"decision\", \"findings\" and \"scores\"");
        if (record.Actions.Any(a => a is null || a.Stage is null || a.Action is null || a.Outcome is null))
            throw Error("every executed action needs \"stage\", \"action\" and \"outcome\"");
        foreach (var m in record.Messages)
            if (!MessageRoles.TryParse(m.Role, out _)) throw Error($"unknown role \"{m.Role}\"; expected one of {MessageRoles.Accepted}");
        foreach (var g in record.Generated)
            if (g < 0 || g >= record.Messages.Count) throw Error($"generated index {g} is outside the {record.Messages.Count} messages");
        foreach (var stage in record.Stages)
        {
            if (RecordedTurns.ParseStage(stage.Stage) is null) throw Error($"unknown stage \"{stage.Stage}\"; expected request or response");
            foreach (var action in stage.Decision)
                if (RecordedTurns.ParseAction(action) is null)
                    throw Error($"unknown action \"{action}\" in the {stage.Stage} decision; expected one of {string.Join(", ", PolicyLoader.ActionNames)}");
            foreach (var f in stage.Findings)
            {
                if (f is null || f.Kind is null || f.Severity is null) throw Error($"a finding of the {stage.Stage} stage has no \"kind\" or \"severity\"");
                if (f.Message < 0 || f.Message >= record.Messages.Count) throw Error($"finding \"{f.Kind}\" is on message {f.Message}, but the record has {record.Messages.Count} messages");
                var length = record.Messages[f.Message].Content.Length;
                if (f.Start < 0 || f.End < f.Start || f.End > length)
                    throw Error($"finding \"{f.Kind}\" spans characters {f.Start}..{f.End} of message {f.Message}, which has {length}");
            }
        }
    }

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
