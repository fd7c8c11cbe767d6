using System.Collections.Concurrent;
using Enaction.Monitoring;

namespace AgentLoop;

/// <summary>Keeps the audit records of the run in memory so each scene can print what the monitor saw and did.</summary>
public sealed class DemoRecorder : ITurnRecorder
{
    private readonly ConcurrentQueue<TurnRecord> _records = new();

    /// <inheritdoc/>
    public ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default)
    {
        _records.Enqueue(record);
        return ValueTask.CompletedTask;
    }

    /// <summary>Takes the records written since the last call.</summary>
    public List<TurnRecord> Drain()
    {
        var list = new List<TurnRecord>();
        while (_records.TryDequeue(out var r)) list.Add(r);
        return list;
    }
}
