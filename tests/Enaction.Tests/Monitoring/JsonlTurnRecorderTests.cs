using System.Text;
using Enaction.Monitoring;

namespace Enaction.Tests.Monitoring;

/// <summary>The audit JSONL file across crashes: torn last lines, fresh lines, and who may read it.</summary>
public sealed class JsonlTurnRecorderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-recorder-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static TurnRecord Record(string conversation, int turn) => new()
    {
        Time = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
        ConversationId = conversation,
        Turn = turn,
        Messages = [new RecordedMessage("user", "What is 12 + 7?", null), new RecordedMessage("assistant", "19.", null)],
        Generated = [1],
        Stages = [],
        Actions = [],
    };

    /// <summary>One day throughout, so both recorders write the same file.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static async Task<List<TurnRecord>> ReadAllAsync(string file, ListLogger? logger = null)
    {
        var records = new List<TurnRecord>();
        await foreach (var r in JsonlTurnRecorder.ReadAsync(file, logger)) records.Add(r);
        return records;
    }

    [Fact]
    public async Task After_a_torn_last_line_the_next_record_starts_on_a_fresh_line_and_both_good_records_read_back()
    {
        var folder = _temp.CreateSubdirectory("audit");
        var time = new FixedTime(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        string file;
        using (var first = new JsonlTurnRecorder(folder.FullName, time))
        {
            await first.RecordAsync(Record("c1", 1));
            file = first.CurrentFile;
        }
        // A crash in the middle of the second record: half a line, no newline.
        var torn = Encoding.UTF8.GetBytes("{\"version\":1,\"time\":\"2026-11-30T12:00:01+00:00\",\"conversation_id\":\"c1\",\"turn\":2,\"messages\":[{\"role\":\"us");
        await using (var append = new FileStream(file, FileMode.Append)) await append.WriteAsync(torn);

        using (var restarted = new JsonlTurnRecorder(folder.FullName, time)) await restarted.RecordAsync(Record("c1", 3));

        var lines = (await File.ReadAllTextAsync(file)).Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[^1]);
        Assert.StartsWith("{\"version\":1,", lines[2]);
        Assert.Equal(Encoding.UTF8.GetString(torn), lines[1]);

        var logger = new ListLogger();
        var records = await ReadAllAsync(file, logger);
        Assert.Equal([1, 3], records.Select(r => r.Turn));
        var skipped = Assert.Single(logger.Named("AuditLineSkipped"));
        Assert.Equal((file, 2), (skipped["AuditFile"], skipped["Line"]));
        Assert.Equal(MonitorEventIds.AuditLineSkipped, Assert.Single(logger.Events, e => e.Id.Name == "AuditLineSkipped").Id.Id);
    }

    [Fact]
    public async Task A_line_that_is_malformed_rather_than_torn_still_fails_the_read()
    {
        var file = Path.Combine(_temp.FullName, "turns.jsonl");
        await File.WriteAllTextAsync(file, "{\"version\":1}}\n");
        await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => ReadAllAsync(file));
    }

    [Fact]
    public async Task Audit_files_are_readable_by_their_owner_only()
    {
        if (OperatingSystem.IsWindows()) return; // Unix file modes
        var folder = Path.Combine(_temp.FullName, "new-audit");
        using var recorder = new JsonlTurnRecorder(folder);
        await recorder.RecordAsync(Record("c1", 1));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(recorder.CurrentFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }
}
