using System.Collections.Immutable;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Monitoring;

/// <summary>
/// A small deterministic scorer for Core tests (the ONNX scorer lives in another project): one token per word, entropy
/// from the word length. Its sessions count the tokens they reuse from the previous transcript, like the real one.
/// </summary>
internal sealed class WordScorer : IConversationScorer
{
    public int SessionsOpened;
    public int SessionsDisposed;
    public Func<Transcript, Exception?>? Fail { get; set; }

    public string ModelId => "words";

    public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Score(transcript));

    public IScoringSession OpenSession()
    {
        Interlocked.Increment(ref SessionsOpened);
        return new Session(this);
    }

    public void Dispose() { }

    internal ScoredTranscript Score(Transcript transcript)
    {
        if (Fail?.Invoke(transcript) is { } e) throw e;
        var tokens = ImmutableArray.CreateBuilder<TokenScore>();
        var id = 0;
        for (var m = 0; m < transcript.Count; m++)
        {
            var content = transcript[m].Content;
            var start = 0;
            foreach (var word in content.Split(' '))
            {
                if (word.Length > 0)
                    tokens.Add(new TokenScore(word.GetHashCode() & 0xFFFF, word, m, transcript[m].Role, start, start + word.Length,
                        1f + word.Length % 3, 2f, id++ == 0 ? 0 : 1 + word.Length % 4, 0.5f, false));
                start += word.Length + 1;
            }
        }
        return new ScoredTranscript(ModelId, transcript, tokens.ToImmutable());
    }

    private sealed class Session(WordScorer scorer) : IScoringSession
    {
        private Transcript _last = Transcript.Empty;
        private bool _isFork;

        public ScoringStatistics LastRun { get; private set; }

        public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
        {
            var scored = scorer.Score(transcript);
            var reused = 0;
            for (var m = 0; m < Math.Min(_last.Count, transcript.Count) && _last[m] == transcript[m]; m++)
                reused += transcript[m].Content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            LastRun = new ScoringStatistics(scored.Tokens.Length, reused, scored.Tokens.Length - reused, TimeSpan.Zero);
            _last = transcript;
            return ValueTask.FromResult(scored);
        }

        // Forks are not counted: the counters pin the conversations' own sessions.
        public IScoringSession Fork() => new Session(scorer) { _last = _last, _isFork = true };

        public void Dispose()
        {
            if (!_isFork) Interlocked.Increment(ref scorer.SessionsDisposed);
        }
    }
}
