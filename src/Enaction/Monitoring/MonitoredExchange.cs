using Enaction.Actions;
using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>One call under <see cref="ConversationMonitor"/>; holds the conversation's gate until disposed.</summary>
internal sealed class MonitoredExchange : IMonitoredExchange
{
    private readonly ConversationMonitor _monitor;
    private readonly ConversationState _state;
    private readonly ExchangeRequest _request;
    private int _completed;
    private int _disposed;

    public MonitoredExchange(ConversationMonitor monitor, ConversationState state, ExchangeRequest request, MonitoredCall call, TurnVerdict requestVerdict)
    {
        _monitor = monitor;
        _state = state;
        _request = request;
        Call = call;
        RequestVerdict = requestVerdict;
    }

    public ConversationIdentity Conversation => _request.Conversation;

    public MonitoredCall Call { get; }

    public TurnVerdict RequestVerdict { get; }

    public Task<TurnVerdict> JudgeResponseAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default) =>
        JudgeAsync(transcript, generated, null, trial: false, cancellationToken);

    public Task<TurnVerdict> JudgeResponseAsync(Transcript transcript, IReadOnlyList<int> generated, IReadOnlyDictionary<int, int> authoredFrom,
        CancellationToken cancellationToken = default) =>
        JudgeAsync(transcript, generated, authoredFrom ?? throw new ArgumentNullException(nameof(authoredFrom)), trial: false, cancellationToken);

    public Task<TurnVerdict> JudgeCandidateAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default) =>
        JudgeAsync(transcript, generated, null, trial: true, cancellationToken);

    public async Task CompleteAsync(Transcript transcript, IReadOnlyList<int> generated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(generated);
        ThrowIfDisposed();
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            throw new InvalidOperationException($"The exchange of conversation {Conversation.Id} was already completed; an exchange completes once.");
        await _monitor.CompleteAsync(_state, _request, Call, transcript, generated, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _state.Gate.Release();
        return ValueTask.CompletedTask;
    }

    private Task<TurnVerdict> JudgeAsync(Transcript transcript, IReadOnlyList<int> generated, IReadOnlyDictionary<int, int>? authoredFrom, bool trial,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(generated);
        ThrowIfDisposed();
        var turn = new MonitoredTurn(Conversation.Id, transcript, PolicyStage.Response)
        {
            Agent = Call.Agent,
            Function = Call.Function,
            Model = Call.Model,
            Sampler = (_request.Temperature, _request.TopP),
            Generated = generated,
            // A candidate is another answer: the call's log-probabilities belong to the first one.
            GeneratorLogprobs = trial ? System.Collections.Immutable.ImmutableDictionary<int, IReadOnlyList<Enaction.Scoring.TokenLogprob>>.Empty : Call.GeneratorLogprobs,
            AuthoredFrom = authoredFrom,
            IsTrial = trial,
        };
        return _monitor.JudgeAsync(_state, turn, _request.Conversation, cancellationToken);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
