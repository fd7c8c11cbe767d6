namespace Enaction.Monitoring;

/// <summary>An audit sink for completed turns, so a safety team can replay what the monitor saw and did.</summary>
public interface ITurnRecorder
{
    /// <summary>Records one completed turn. Implementations must be safe to call from many conversations at once.</summary>
    ValueTask RecordAsync(TurnRecord record, CancellationToken cancellationToken = default);
}
