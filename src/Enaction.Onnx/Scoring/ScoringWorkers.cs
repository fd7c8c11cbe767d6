using System.Collections.Concurrent;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// The threads one <see cref="OnnxConversationScorer"/> scores on: a fixed number, started on first use, taking
/// scoring calls from a queue. ONNX Runtime computes synchronously, so the scorer blocks its own threads rather than
/// the caller's or the thread pool's (where a few long runs could hold off the timers that time them out), and the
/// number of runs at once stays bounded however many conversations call. A call cancelled while it waits never runs;
/// one cancelled while it runs is stopped by the work itself (ONNX Runtime's run termination) and completes only when
/// the work has returned, so a session is never used by two threads at once.
/// </summary>
internal sealed class ScoringWorkers : IDisposable
{
    private readonly BlockingCollection<IWorkItem> _queue = [];
    private readonly Lock _gate = new();
    private Thread[]? _threads;
    private bool _disposed;

    /// <summary>Runs at most <paramref name="threads"/> calls at once.</summary>
    public ScoringWorkers(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Count = threads;
    }

    /// <summary>The number of threads (the most calls that run at once).</summary>
    public int Count { get; }

    /// <summary>Threads started so far (0 before the first call, then <see cref="Count"/>).</summary>
    public int Started => Volatile.Read(ref _threads)?.Length ?? 0;

    /// <summary>
    /// Queues <paramref name="work"/>; the task completes with its result, or is cancelled if
    /// <paramref name="cancellationToken"/> fires before a thread takes it up.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(work, cancellationToken);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _threads ??= Start();
            _queue.Add(item);
        }
        return item.Task;
    }

    private Thread[] Start()
    {
        var threads = new Thread[Count];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"Enaction scoring {i + 1}" };
            threads[i].Start();
        }
        return threads;
    }

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            if (Volatile.Read(ref _disposed)) item.Abandon();
            else item.Run();
        }
    }

    /// <summary>Stops taking calls, fails those still queued, and waits for the ones running to return.</summary>
    public void Dispose()
    {
        Thread[]? threads;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            threads = _threads;
            _queue.CompleteAdding();
        }
        if (threads is not null)
            foreach (var t in threads)
                if (t != Thread.CurrentThread) t.Join();
        _queue.Dispose();
    }

    private interface IWorkItem
    {
        void Run();
        void Abandon();
    }

    private sealed class WorkItem<T> : IWorkItem
    {
        private const int Queued = 0, Running = 1, Cancelled = 2;
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<T> _work;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenRegistration _registration;
        private int _state;

        public WorkItem(Func<T> work, CancellationToken cancellationToken)
        {
            _work = work;
            _cancellationToken = cancellationToken;
            _registration = cancellationToken.UnsafeRegister(static o => ((WorkItem<T>)o!).CancelQueued(), this);
        }

        public Task<T> Task => _completion.Task;

        private void CancelQueued()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued) _completion.TrySetCanceled(_cancellationToken);
        }

        public void Run()
        {
            if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued) return;
            try
            {
                _completion.TrySetResult(_work());
            }
            catch (OperationCanceledException e)
            {
                _completion.TrySetCanceled(e.CancellationToken.IsCancellationRequested ? e.CancellationToken : _cancellationToken);
            }
            catch (Exception e)
            {
                _completion.TrySetException(e);
            }
            finally
            {
                _registration.Dispose();
            }
        }

        public void Abandon()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
                _completion.TrySetException(new ObjectDisposedException(nameof(OnnxConversationScorer), "the scorer was disposed before this call could run"));
            _registration.Dispose();
        }
    }
}
