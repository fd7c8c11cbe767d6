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
/// The real scorer, slowed down to run past a scoring timeout: a remote scorer's latency, which a cancelled token
/// ends as the contract asks.
/// </summary>
public sealed class SlowScorer(IConversationScorer inner, TimeSpan delay) : IConversationScorer
{
    public string ModelId => inner.ModelId;

    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        await Task.Delay(delay, cancellationToken);
        return await inner.ScoreAsync(transcript, cancellationToken);
    }

    public IScoringSession OpenSession() => new Session(inner.OpenSession(), delay);

    public void Dispose() { }

    private sealed class Session(IScoringSession inner, TimeSpan delay) : IScoringSession
    {
        public ScoringStatistics LastRun => inner.LastRun;

        public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.ScoreAsync(transcript, cancellationToken);
        }

        public IScoringSession Fork() => new Session(inner.Fork(), delay);

        public void Dispose() => inner.Dispose();
    }
}
