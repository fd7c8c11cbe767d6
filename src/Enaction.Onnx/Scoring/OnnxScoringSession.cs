using System.Collections.Immutable;
using System.Diagnostics;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;
using Enaction.Scoring;
using Enaction.Transcripts;
using Microsoft.ML.OnnxRuntime;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// Incremental teacher-forced scoring of one conversation. It keeps the KV cache and the scores of the tokens it has
/// seen; the next call runs only the tokens after the longest unchanged token prefix. Not thread-safe.
/// </summary>
public sealed class OnnxScoringSession : IScoringSession
{
    private readonly CausalLanguageModel _model;
    private readonly KeyValueCache? _cache;
    private readonly List<int> _ids = [];
    private readonly List<TokenStats> _stats = [];
    private readonly float[] _pending;
    // Per-call buffers, rented for the duration of one Score call so idle sessions hold only their cache.
    private float[] _scratch = [];
    private float[] _logits = [];
    private bool _hasPending;
    private bool _pendingTruncated;
    private int _windowStart;
    private bool _disposed;

    /// <summary>Opens a session on <paramref name="model"/>.</summary>
    public OnnxScoringSession(CausalLanguageModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _cache = model.Signature.HasCache ? new KeyValueCache(model.Signature) : null;
        _pending = new float[model.VocabSize];
    }

    /// <inheritdoc />
    public ScoringStatistics LastRun { get; private set; }

    /// <inheritdoc />
    public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Score(_model.Encoder.Encode(transcript), transcript, cancellationToken));
    }

    /// <summary>Scores an already encoded transcript (the generator uses this to avoid encoding twice).</summary>
    internal ScoredTranscript Score(EncodedTranscript encoded, Transcript transcript, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ids = encoded.Ids;
        var n = encoded.Count;
        if (n == 0) throw new ArgumentException("the transcript renders to no tokens", nameof(transcript));
        for (var i = 0; i < n; i++)
            if ((uint)ids[i] >= (uint)_model.VocabSize)
                throw new ArgumentException($"token id {ids[i]} is outside the model's vocabulary of {_model.VocabSize}", nameof(transcript));

        var computed = 0;
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        _scratch = System.Buffers.ArrayPool<float>.Shared.Rent(2 * _model.VocabSize);
        try
        {
            computed = _cache is null ? ScoreWithoutCache(ids, n, runOptions) : ScoreWithCache(ids, n, runOptions);
        }
        catch (Exception e)
        {
            // A failed or cancelled run leaves the cache in an unknown state; start over next time.
            Reset();
            if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException("scoring was cancelled", e, cancellationToken);
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(_scratch);
            _scratch = [];
            if (_logits.Length > 0) System.Buffers.ArrayPool<float>.Shared.Return(_logits);
            _logits = [];
        }

        LastRun = new ScoringStatistics(n, n - computed, computed, Stopwatch.GetElapsedTime(started));
        return Build(encoded, transcript);
    }

    private int ScoreWithCache(int[] ids, int n, RunOptions runOptions)
    {
        var cache = _cache!;
        var shared = CommonPrefix(ids, n);
        int from;
        if (shared == _ids.Count && _hasPending)
        {
            if (shared == n) return 0; // nothing new
            // Pure append: the row kept from the last run predicts the first new token.
            _ids.Add(ids[shared]);
            _stats.Add(default);
            SetStats(shared, ids[shared], _pending, _pendingTruncated);
            _hasPending = false;
            from = shared;
        }
        else if (shared >= 2 && shared - 1 >= _windowStart)
        {
            // Edited history (or a shorter transcript): keep the state before the last shared token and rerun it,
            // so its output row predicts the first changed token.
            from = shared - 1;
            cache.Truncate(from - _windowStart);
            Shrink(shared);
        }
        else
        {
            Reset();
            from = 0;
        }
        for (var i = _ids.Count; i < n; i++) { _ids.Add(ids[i]); _stats.Add(default); }

        var vocab = _model.VocabSize;
        var context = _model.ContextLength;
        var perRun = _model.TokensPerRun;
        var computed = 0;
        var p = from;
        while (p < n)
        {
            if (p - _windowStart >= context) computed += Slide(p, runOptions);
            var count = Math.Min(Math.Min(perRun, n - p), context - (p - _windowStart));
            EnsureLogits(count * vocab);
            _model.Forward(ids.AsSpan(p, count), p - _windowStart, cache, _logits, runOptions);
            computed += count;
            var truncated = _windowStart > 0;
            for (var row = 0; row < count; row++)
            {
                var logits = _logits.AsSpan(row * vocab, vocab);
                var next = p + row + 1;
                if (next < n) SetStats(next, ids[next], logits, truncated);
                else { logits.CopyTo(_pending); _hasPending = true; _pendingTruncated = truncated; }
            }
            p += count;
        }
        return computed;
    }

    /// <summary>The window is full: restart it on the last half-context of tokens before <paramref name="position"/>.</summary>
    private int Slide(int position, RunOptions runOptions)
    {
        var cache = _cache!;
        var keep = _model.ContextLength / 2;
        _windowStart = position - keep;
        cache.Clear();
        var vocab = _model.VocabSize;
        var perRun = _model.TokensPerRun;
        var ids = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids);
        for (var p = _windowStart; p < position; p += perRun)
        {
            var count = Math.Min(perRun, position - p);
            EnsureLogits(count * vocab);
            _model.Forward(ids.Slice(p, count), p - _windowStart, cache, _logits, runOptions);
        }
        return keep;
    }

    private int ScoreWithoutCache(int[] ids, int n, RunOptions runOptions)
    {
        // Without past inputs every run starts from the window's first token; only rows for new tokens are reduced.
        var shared = CommonPrefix(ids, n);
        var first = Math.Max(1, Math.Min(shared, _ids.Count));
        Shrink(Math.Min(shared, _ids.Count));
        for (var i = _ids.Count; i < n; i++) { _ids.Add(ids[i]); _stats.Add(default); }
        var vocab = _model.VocabSize;
        var context = _model.ContextLength;
        var computed = 0;
        var target = first;
        while (target < n)
        {
            var end = Math.Min(n, target + Math.Max(1, context / 2));
            var begin = Math.Max(0, end - context);
            var count = end - begin;
            EnsureLogits(count * vocab);
            _model.Forward(ids.AsSpan(begin, count), 0, null, _logits, runOptions);
            computed += count;
            for (var t = target; t < end; t++)
            {
                var row = t - 1 - begin;
                if (row < 0) continue; // the window starts at t: nothing predicts it inside this run
                SetStats(t, ids[t], _logits.AsSpan(row * vocab, vocab), begin > 0);
            }
            target = end;
        }
        _hasPending = false;
        return computed;
    }

    private void SetStats(int index, int token, ReadOnlySpan<float> logits, bool truncated)
    {
        var r = LogitStatistics.Compute(logits, token, _scratch);
        _stats[index] = new TokenStats(r.Entropy, r.Surprisal, r.Rank, r.LogProbVariance, truncated);
    }

    private ScoredTranscript Build(EncodedTranscript encoded, Transcript transcript)
    {
        var tokens = ImmutableArray.CreateBuilder<TokenScore>(encoded.Count);
        for (var i = 0; i < encoded.Count; i++)
        {
            var message = encoded.Message[i];
            var s = _stats[i];
            tokens.Add(new TokenScore(
                encoded.Ids[i],
                _model.TokenText(encoded.Ids[i]),
                message,
                message >= 0 ? transcript[message].Role : null,
                encoded.Start[i],
                encoded.End[i],
                s.Rank > 0 ? s.Entropy : float.NaN,
                s.Rank > 0 ? s.Surprisal : float.NaN,
                s.Rank,
                s.Rank > 0 ? s.Variance : float.NaN,
                s.Truncated));
        }
        return new ScoredTranscript(_model.Id, transcript, tokens.MoveToImmutable());
    }

    private int CommonPrefix(int[] ids, int n)
    {
        var limit = Math.Min(n, _ids.Count);
        var i = 0;
        while (i < limit && _ids[i] == ids[i]) i++;
        return i;
    }

    private void Shrink(int count)
    {
        if (count < _ids.Count)
        {
            _ids.RemoveRange(count, _ids.Count - count);
            _stats.RemoveRange(count, _stats.Count - count);
        }
        _hasPending = false;
    }

    private void Reset()
    {
        _ids.Clear();
        _stats.Clear();
        _cache?.Clear();
        _windowStart = 0;
        _hasPending = false;
    }

    private void EnsureLogits(int floats)
    {
        if (_logits.Length >= floats) return;
        if (_logits.Length > 0) System.Buffers.ArrayPool<float>.Shared.Return(_logits);
        _logits = System.Buffers.ArrayPool<float>.Shared.Rent(floats);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cache?.Dispose();
    }

    private readonly record struct TokenStats(float Entropy, float Surprisal, int Rank, float Variance, bool Truncated);
}
