using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;
using Enaction.Scoring;
using Enaction.Transcripts;
using Microsoft.ML.OnnxRuntime;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// Incremental teacher-forced scoring of one conversation. It keeps the KV cache and the scores of the tokens it has
/// seen, and the encoding of the transcript it scored last; the next call renders and tokenises only the messages
/// that changed and runs only the tokens after the longest unchanged token prefix. Not thread-safe.
/// </summary>
/// <remarks>
/// Sessions opened by <see cref="OnnxConversationScorer"/> compute on the scorer's threads (bounded by
/// <see cref="OnnxScorerOptions.MaxConcurrentRuns"/>); one created directly on a model computes on the caller's thread.
/// A cancelled call stops the ONNX Runtime run in progress (<see cref="RunOptions.Terminate"/>) and keeps everything
/// computed before it, so the next call continues from there.
/// </remarks>
public sealed class OnnxScoringSession : IScoringSession
{
    private readonly CausalLanguageModel _model;
    private readonly ScoringWorkers? _workers;
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
    // The encoding of the transcript last scored (_ids is always a prefix of its ids) and the result built for it.
    private EncodedTranscript? _encoded;
    private ImmutableArray<TokenScore> _built;
    private bool _disposed;

    /// <summary>Opens a session on <paramref name="model"/> that computes on the caller's thread.</summary>
    public OnnxScoringSession(CausalLanguageModel model) : this(model, null) { }

    internal OnnxScoringSession(CausalLanguageModel model, ScoringWorkers? workers)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _workers = workers;
        _cache = model.Signature.HasCache ? new KeyValueCache(model.Signature) : null;
        _pending = new float[model.VocabSize];
    }

    private OnnxScoringSession(OnnxScoringSession parent)
    {
        _model = parent._model;
        _workers = parent._workers;
        _cache = parent._cache?.Fork();
        _ids.AddRange(parent._ids);
        _stats.AddRange(parent._stats);
        _pending = (float[])parent._pending.Clone();
        _hasPending = parent._hasPending;
        _pendingTruncated = parent._pendingTruncated;
        _windowStart = parent._windowStart;
        _encoded = parent._encoded;
        _built = parent._built;
    }

    /// <inheritdoc />
    public ScoringStatistics LastRun { get; private set; }

    /// <summary>Test hook: called on the computing thread just before each forward pass, with the pass's first token position.</summary>
    internal Action<int>? RunStarting { get; set; }

    /// <inheritdoc />
    public ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_workers is null) return ValueTask.FromResult(Score(transcript, cancellationToken));
        return new ValueTask<ScoredTranscript>(_workers.RunAsync(() => Score(transcript, cancellationToken), cancellationToken));
    }

    /// <inheritdoc />
    public IScoringSession Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new OnnxScoringSession(this);
    }

    private ScoredTranscript Score(Transcript transcript, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        var encoded = _model.Encoder.Encode(transcript, _encoded);
        return Score(encoded, transcript, started, cancellationToken);
    }

    /// <summary>Scores an already encoded transcript.</summary>
    internal ScoredTranscript Score(EncodedTranscript encoded, Transcript transcript, long started, CancellationToken cancellationToken)
    {
        var ids = encoded.Ids;
        var n = encoded.Count;
        if (n == 0) throw new ArgumentException("the transcript renders to no tokens", nameof(transcript));
        for (var i = encoded.ReusedTokens; i < n; i++)
            if ((uint)ids[i] >= (uint)_model.VocabSize)
                throw new ArgumentException($"token id {ids[i]} is outside the model's vocabulary of {_model.VocabSize}", nameof(transcript));

        // Tokens the encoder reused from the last encoding are equal to it, and _ids is a prefix of that encoding.
        var known = _encoded is null ? 0 : Math.Min(encoded.ReusedTokens, _ids.Count);
        var previousBuilt = _built;
        _encoded = encoded;
        _built = default;

        var progress = new Progress();
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        _scratch = System.Buffers.ArrayPool<float>.Shared.Rent(2 * _model.VocabSize);
        try
        {
            if (_cache is null) ScoreWithoutCache(ids, n, known, runOptions, progress);
            else ScoreWithCache(ids, n, known, runOptions, progress);
        }
        catch (Exception e)
        {
            // Keep what was fully computed: the next call continues from there instead of from scratch.
            CutBack(progress.Done);
            LastRun = new ScoringStatistics(n, 0, progress.Computed, Stopwatch.GetElapsedTime(started));
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

        LastRun = new ScoringStatistics(n, n - progress.Computed, progress.Computed, Stopwatch.GetElapsedTime(started));
        // Results of tokens before the first recomputed one are what the last call built for them.
        var reuse = encoded.ReusedTokens > 0 && !previousBuilt.IsDefault ? Math.Min(Math.Min(encoded.ReusedTokens, progress.From), previousBuilt.Length) : 0;
        _built = Build(encoded, transcript, previousBuilt, reuse);
        return new ScoredTranscript(_model.Id, transcript, _built) { SamplingTopP = _model.SamplingTopP };
    }

    private void ScoreWithCache(int[] ids, int n, int known, RunOptions runOptions, Progress progress)
    {
        var cache = _cache!;
        var shared = CommonPrefix(ids, n, known);
        int from;
        if (shared == _ids.Count && _hasPending)
        {
            progress.From = progress.Done = shared;
            if (shared == n) return; // nothing new
            // Pure append: the row kept from the last run predicts the first new token.
            _ids.Add(ids[shared]);
            _stats.Add(default);
            SetStats(shared, ids[shared], _pending, _pendingTruncated);
            _hasPending = false;
            from = shared;
        }
        else if (shared >= 2 && shared - 1 >= _windowStart)
        {
            // Edited history, a shorter transcript, or a call that was cut short: keep the state before the last shared
            // token and rerun it, so its output row predicts the first changed token.
            from = shared - 1;
            cache.Truncate(from - _windowStart);
            Shrink(shared);
            progress.From = from;
        }
        else
        {
            Reset();
            from = 0;
            progress.From = 0;
        }
        progress.Done = from;
        for (var i = _ids.Count; i < n; i++) { _ids.Add(ids[i]); _stats.Add(default); }

        var vocab = _model.VocabSize;
        var context = _model.ContextLength;
        var perRun = _model.TokensPerRun;
        var p = from;
        while (p < n)
        {
            if (p - _windowStart >= context) Slide(p, runOptions, progress);
            var count = Math.Min(Math.Min(perRun, n - p), context - (p - _windowStart));
            EnsureLogits(count * vocab);
            RunStarting?.Invoke(p);
            _model.Forward(ids.AsSpan(p, count), p - _windowStart, cache, _logits, runOptions);
            progress.Computed += count;
            var truncated = _windowStart > 0;
            // Row r predicts token p + r + 1; the row after the transcript's last token is kept for the next call.
            var scored = Math.Min(count, n - 1 - p);
            Reduce(ids, p + 1, 0, scored, truncated);
            if (scored < count)
            {
                _logits.AsSpan(scored * vocab, vocab).CopyTo(_pending);
                _hasPending = true;
                _pendingTruncated = truncated;
            }
            p += count;
            progress.Done = p;
        }
    }

    /// <summary>The window is full: restart it on the last half-context of tokens before <paramref name="position"/>.</summary>
    private void Slide(int position, RunOptions runOptions, Progress progress)
    {
        var cache = _cache!;
        var keep = _model.ContextLength / 2;
        _windowStart = position - keep;
        cache.Clear();
        var vocab = _model.VocabSize;
        var perRun = _model.TokensPerRun;
        var ids = CollectionsMarshal.AsSpan(_ids);
        for (var p = _windowStart; p < position; p += perRun)
        {
            var count = Math.Min(perRun, position - p);
            EnsureLogits(count * vocab);
            RunStarting?.Invoke(p);
            _model.Forward(ids.Slice(p, count), p - _windowStart, cache, _logits, runOptions);
            progress.Computed += count;
        }
    }

    private void ScoreWithoutCache(int[] ids, int n, int known, RunOptions runOptions, Progress progress)
    {
        // Without past inputs every run starts from the window's first token; only rows for new tokens are reduced.
        var shared = CommonPrefix(ids, n, known);
        var first = Math.Max(1, Math.Min(shared, _ids.Count));
        Shrink(Math.Min(shared, _ids.Count));
        progress.From = progress.Done = Math.Min(first, _ids.Count);
        for (var i = _ids.Count; i < n; i++) { _ids.Add(ids[i]); _stats.Add(default); }
        var vocab = _model.VocabSize;
        var context = _model.ContextLength;
        var target = first;
        while (target < n)
        {
            var end = Math.Min(n, target + Math.Max(1, context / 2));
            var begin = Math.Max(0, end - context);
            var count = end - begin;
            EnsureLogits(count * vocab);
            RunStarting?.Invoke(begin);
            _model.Forward(ids.AsSpan(begin, count), 0, null, _logits, runOptions);
            progress.Computed += count;
            // Row t - 1 - begin predicts token t; when the window starts at t nothing inside this run predicts it.
            var firstTarget = Math.Max(target, begin + 1);
            Reduce(ids, firstTarget, firstTarget - 1 - begin, end - firstTarget, begin > 0);
            target = end;
            progress.Done = end;
        }
        _hasPending = false;
    }

    /// <summary>
    /// After a failed or cancelled call: keeps the tokens whose scores and model state were fully computed (the first
    /// <paramref name="done"/>, no more than the cache holds) and drops the rest. A forward pass that did not finish
    /// never reached the cache.
    /// </summary>
    private void CutBack(int done)
    {
        var keep = Math.Min(done, _ids.Count);
        if (_cache is not null)
        {
            keep = Math.Min(keep, _windowStart + _cache.Length);
            if (keep <= _windowStart) { Reset(); return; }
            _cache.Truncate(keep - _windowStart);
        }
        Shrink(keep);
    }

    private void SetStats(int index, int token, ReadOnlySpan<float> logits, bool truncated) => SetStats(index, token, logits, truncated, _scratch);

    private void SetStats(int index, int token, ReadOnlySpan<float> logits, bool truncated, Span<float> scratch)
    {
        var r = LogitStatistics.Compute(logits, token, scratch);
        _stats[index] = new TokenStats(r.Entropy, r.Surprisal, r.Rank, r.LogProbVariance, r.MassAbove, truncated);
    }

    /// <summary>Logits per thread below which splitting a pass's statistics costs more than it saves (measured: ~0.1 ms each).</summary>
    private const int MinLogitsPerReductionThread = 1 << 18;

    /// <summary>
    /// Reduces <paramref name="rows"/> rows of <see cref="_logits"/>, from <paramref name="firstRow"/>, to the statistics
    /// of tokens <paramref name="firstToken"/> onwards. ONNX Runtime's threads are idle here, so a pass with enough
    /// logits is split over as many threads as it computed on (the calling thread takes a share, so the reduction
    /// completes even when no pool thread is free).
    /// </summary>
    private void Reduce(int[] ids, int firstToken, int firstRow, int rows, bool truncated)
    {
        if (rows <= 0) return;
        var vocab = _model.VocabSize;
        var threads = (int)Math.Min(_model.ReductionThreads, (long)rows * vocab / MinLogitsPerReductionThread);
        if (threads <= 1)
        {
            for (var r = 0; r < rows; r++)
                SetStats(firstToken + r, ids[firstToken + r], _logits.AsSpan((firstRow + r) * vocab, vocab), truncated);
            return;
        }
        var logits = _logits;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
        {
            var from = (int)((long)rows * part / threads);
            var to = (int)((long)rows * (part + 1) / threads);
            var scratch = System.Buffers.ArrayPool<float>.Shared.Rent(2 * vocab);
            try
            {
                for (var r = from; r < to; r++)
                    SetStats(firstToken + r, ids[firstToken + r], logits.AsSpan((firstRow + r) * vocab, vocab), truncated, scratch);
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(scratch);
            }
        });
    }

    private ImmutableArray<TokenScore> Build(EncodedTranscript encoded, Transcript transcript, ImmutableArray<TokenScore> previous, int reuse)
    {
        var tokens = new TokenScore[encoded.Count];
        // A block copy of the unchanged prefix: building each token again would cost the whole history every turn.
        if (reuse > 0) previous.AsSpan(0, reuse).CopyTo(tokens);
        for (var i = reuse; i < tokens.Length; i++)
        {
            var message = encoded.Message[i];
            var s = _stats[i];
            tokens[i] = new TokenScore(
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
                s.Truncated) { MassAbove = s.Rank > 0 ? s.MassAbove : float.NaN };
        }
        return ImmutableCollectionsMarshal.AsImmutableArray(tokens);
    }

    /// <summary>Tokens shared with what this session holds; the first <paramref name="known"/> are known to be equal.</summary>
    private int CommonPrefix(int[] ids, int n, int known)
    {
        var limit = Math.Min(n, _ids.Count);
        var i = Math.Min(known, limit);
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

    private readonly record struct TokenStats(float Entropy, float Surprisal, int Rank, float Variance, float MassAbove, bool Truncated);

    /// <summary>How far one call got: the first token it recomputed, the tokens fully scored, and the tokens run.</summary>
    private sealed class Progress
    {
        public int From;
        public int Done;
        public int Computed;
    }
}
