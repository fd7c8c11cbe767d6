using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>
/// Per-conversation state (scoring session, judged prefix, self-authored turns) in a least-recently-used map, so
/// memory is bounded by the capacity however many conversations pass through.
/// </summary>
internal sealed class ConversationSessions : IDisposable
{
    private readonly IConversationScorer _scorer;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<ConversationState>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<ConversationState> _order = new();

    public ConversationSessions(IConversationScorer scorer, int capacity)
    {
        _scorer = scorer;
        _capacity = capacity;
    }

    public int Count
    {
        get { lock (_gate) return _map.Count; }
    }

    public bool Contains(string conversationId)
    {
        lock (_gate) return _map.ContainsKey(conversationId);
    }

    /// <summary>The conversation's state with its gate held; a state evicted while waiting is exchanged for a fresh one.</summary>
    public async Task<ConversationState> AcquireAsync(string conversationId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = Get(conversationId);
            await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!state.IsRetired) return state;
            state.Gate.Release();
        }
    }

    public ConversationState Get(string conversationId)
    {
        ConversationState? evicted = null;
        ConversationState state;
        lock (_gate)
        {
            if (_map.TryGetValue(conversationId, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return node.Value;
            }
            state = new ConversationState(conversationId, _scorer);
            _map[conversationId] = _order.AddFirst(state);
            if (_map.Count > _capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.ConversationId);
                evicted = last.Value;
            }
        }
        evicted?.Retire();
        return state;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var state in _order) state.Retire();
            _order.Clear();
            _map.Clear();
        }
    }
}

/// <summary>What the monitor remembers about one conversation. Guarded by <see cref="Gate"/>.</summary>
internal sealed class ConversationState(string conversationId, IConversationScorer scorer)
{
    private IScoringSession? _session;
    private volatile bool _retired;

    public string ConversationId { get; } = conversationId;

    public bool IsRetired => _retired;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public int Turns { get; set; }

    /// <summary>The transcript whose messages have been judged; findings are reported only on messages after its common prefix.</summary>
    public Transcript Judged { get; set; } = Transcript.Empty;

    /// <summary>Content of assistant messages this pipeline generated, by message index.</summary>
    public Dictionary<int, string> Authored { get; } = [];

    public IScoringSession Session => _session ??= scorer.OpenSession();

    /// <summary>Forgets a session that may be mid-run (timed out): it is disposed once that run ends, never reused.</summary>
    public void Abandon(Task running)
    {
        var session = _session;
        _session = null;
        if (session is not null) _ = running.ContinueWith(_ => session.Dispose(), TaskScheduler.Default);
    }

    /// <summary>Drops the session when the conversation leaves the cache; waits for a run in progress to finish first.</summary>
    public void Retire()
    {
        if (_retired) return;
        _retired = true;
        _ = Task.Run(async () =>
        {
            await Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                _session?.Dispose();
                _session = null;
            }
            finally
            {
                Gate.Release();
            }
        });
    }
}
