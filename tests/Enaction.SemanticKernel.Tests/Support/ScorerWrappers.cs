using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>A real scorer whose sessions throw, as a crashed or misconfigured scoring backend would.</summary>
public sealed class ThrowingScorer(IConversationScorer inner) : IConversationScorer
{
    public string ModelId => inner.ModelId;

    public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("scoring backend unavailable");

    public IScoringSession OpenSession() => new Session();

    public void Dispose() { }

    private sealed class Session : IScoringSession
    {
        public ScoringStatistics LastRun => default;

        public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("scoring backend unavailable");

        public IScoringSession Fork() => new Session();

        public void Dispose() { }
    }
}

/// <summary>
/// The real scorer behind a wait on <paramref name="time"/> (a fake clock in tests), so it can run past a scoring
/// timeout. The wait honours cancellation, as a real remote or ONNX scorer does; <see cref="Entered"/> completes when a
/// scoring call is waiting and <see cref="Cancelled"/> counts the calls the monitor cancelled.
/// </summary>
public sealed class SlowScorer(IConversationScorer inner, TimeSpan delay, TimeProvider time) : IConversationScorer
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cancelled;

    public string ModelId => inner.ModelId;

    public Task Entered => _entered.Task;

    public int Cancelled => Volatile.Read(ref _cancelled);

    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        await WaitAsync(cancellationToken);
        return await inner.ScoreAsync(transcript, cancellationToken);
    }

    public IScoringSession OpenSession() => new Session(this, inner.OpenSession());

    public void Dispose() { }

    private async Task WaitAsync(CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
    }

    private sealed class Session(SlowScorer owner, IScoringSession inner) : IScoringSession
    {
        public ScoringStatistics LastRun => inner.LastRun;

        public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
        {
            await owner.WaitAsync(cancellationToken);
            return await inner.ScoreAsync(transcript, cancellationToken);
        }

        public IScoringSession Fork() => new Session(owner, inner.Fork());

        public void Dispose() => inner.Dispose();
    }
}
