namespace Enaction.Onnx.Scoring;

/// <summary>How an <see cref="OnnxConversationScorer"/> schedules its work.</summary>
public sealed class OnnxScorerOptions
{
    /// <summary>The largest accepted <see cref="MaxConcurrentRuns"/>.</summary>
    public const int MaxConcurrentRunsLimit = 1024;

    /// <summary>
    /// Scoring calls that compute at once, across every session of the scorer; further calls wait in a queue without
    /// holding a thread. The scorer starts this many threads of its own on first use. Default: one per core.
    /// </summary>
    public int MaxConcurrentRuns { get; set; } = Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxConcurrentRuns is < 1 or > MaxConcurrentRunsLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRuns), MaxConcurrentRuns,
                $"MaxConcurrentRuns must be between 1 and {MaxConcurrentRunsLimit} (scoring calls computing at once).");
    }
}
