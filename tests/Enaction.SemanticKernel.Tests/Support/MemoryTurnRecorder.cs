using System.Collections.Concurrent;
using Enaction.Monitoring;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>An audit sink that keeps records in memory.</summary>
public sealed class MemoryTurnRecorder : ITurnRecorder
{
    public ConcurrentQueue<TurnRecord> Records { get; } = new();

    public ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default)
    {
        Records.Enqueue(record);
        return ValueTask.CompletedTask;
    }
}
