using System.Diagnostics;
using Enaction.Onnx.Tokenization;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Served.Scoring;

/// <summary>
/// One conversation on a <see cref="ServedLogprobScorer"/>: it keeps the last encoding, so rendering and tokenising cost
/// only the changed messages, and the last result, so an unchanged transcript costs no request. Every changed
/// transcript is scored whole on the server (an engine computes prompt log-probabilities for the whole prompt).
/// </summary>
internal sealed class ServedLogprobSession(ServedLogprobScorer scorer) : IScoringSession
{
    private EncodedTranscript? _encoded;
    private ScoredTranscript? _last;
    private bool _disposed;

    public ScoringStatistics LastRun { get; private set; }

    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var encoded = scorer.Encoder.Encode(transcript, _encoded);
        if (_last is { } last && _encoded is not null && encoded.Ids.AsSpan().SequenceEqual(_encoded.Ids) && SameMessages(last.Transcript, transcript))
        {
            // The same tokens at the same places: the numbers stand; the result carries this call's transcript.
            _encoded = encoded;
            _last = new ScoredTranscript(last.ModelId, transcript, last.Tokens) { EntropyBounds = last.EntropyBounds };
            LastRun = new ScoringStatistics(encoded.Count, encoded.Count, 0, Stopwatch.GetElapsedTime(started));
            return _last;
        }
        _encoded = encoded;
        _last = null;
        try
        {
            _last = await scorer.ScoreAsync(encoded, transcript, cancellationToken).ConfigureAwait(false);
            LastRun = new ScoringStatistics(encoded.Count, 0, encoded.Count, Stopwatch.GetElapsedTime(started));
            return _last;
        }
        catch
        {
            LastRun = new ScoringStatistics(encoded.Count, 0, 0, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    public IScoringSession Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ServedLogprobSession(scorer) { _encoded = _encoded, _last = _last };
    }

    /// <summary>Roles and contents equal (a result carries its transcript; token offsets depend on the contents).</summary>
    private static bool SameMessages(Transcript a, Transcript b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (a[i].Role != b[i].Role || !string.Equals(a[i].Content, b[i].Content, StringComparison.Ordinal)) return false;
        return true;
    }

    public void Dispose() => _disposed = true;
}
