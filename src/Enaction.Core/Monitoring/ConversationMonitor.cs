using System.Collections.Immutable;
using System.Diagnostics;
using Enaction.Actions;
using Enaction.Detection;
using Enaction.Policies;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Enaction.Monitoring;

/// <summary>
/// Runs one turn through provenance -> scoring -> detection -> policy and returns a typed verdict. Each conversation
/// keeps an incremental scoring session (bounded LRU), so a turn costs only its new tokens. Findings are reported
/// only on messages new since the conversation was last judged, so a tool result or a prefilled turn is acted on
/// once. Thread-safe; turns of one conversation run one at a time.
/// </summary>
public sealed class ConversationMonitor : IDisposable
{
    private readonly IConversationScorer _scorer;
    private readonly Func<PolicyEngine> _policy;
    private readonly PolicyStore? _store;
    private readonly ConversationMonitorOptions _options;
    private readonly DetectorSet _detectors;
    private readonly ConversationSessions _sessions;
    private readonly ILogger _logger;

    /// <summary>Monitors with a fixed policy.</summary>
    public ConversationMonitor(IConversationScorer scorer, PolicyEngine policy, ConversationMonitorOptions? options = null, ILogger? logger = null)
        : this(scorer, policy is null ? throw new ArgumentNullException(nameof(policy)) : () => policy, null, options, logger)
    {
    }

    /// <summary>Monitors with the policy in force in <paramref name="policies"/>; reloads and rejections are logged.</summary>
    public ConversationMonitor(IConversationScorer scorer, PolicyStore policies, ConversationMonitorOptions? options = null, ILogger? logger = null)
        : this(scorer, policies is null ? throw new ArgumentNullException(nameof(policies)) : () => policies.Engine, policies, options, logger)
    {
    }

    private ConversationMonitor(IConversationScorer scorer, Func<PolicyEngine> policy, PolicyStore? store, ConversationMonitorOptions? options, ILogger? logger)
    {
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        _policy = policy;
        _options = options ?? new ConversationMonitorOptions();
        _options.Validate();
        _detectors = _options.Detectors ?? DetectorSet.Default();
        _sessions = new ConversationSessions(_scorer, _options.SessionCapacity);
        _logger = logger ?? NullLogger.Instance;
        _store = store;
        if (_store is not null)
        {
            _store.PolicyReloaded += OnPolicyReloaded;
            _store.PolicyRejected += OnPolicyRejected;
        }
    }

    /// <summary>The policy engine in force now.</summary>
    public PolicyEngine Policy => _policy();

    /// <summary>The scoring model's id.</summary>
    public string ScoringModel => _scorer.ModelId;

    /// <summary>The logger events go to (actions log through it too).</summary>
    public ILogger Logger => _logger;

    /// <summary>Conversations that currently hold a scoring session.</summary>
    public int ActiveConversations => _sessions.Count;

    /// <summary>True when <paramref name="conversationId"/> still holds a scoring session.</summary>
    public bool HasSession(string conversationId) => _sessions.Contains(conversationId);

    /// <summary>Scores, detects and decides one stage of a turn.</summary>
    public async Task<TurnVerdict> MonitorAsync(MonitoredTurn turn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentException.ThrowIfNullOrEmpty(turn.ConversationId);
        var started = Stopwatch.GetTimestamp();
        var engine = _policy();
        var policy = engine.Policy;
        var state = await _sessions.AcquireAsync(turn.ConversationId, cancellationToken).ConfigureAwait(false);
        try
        {
            var transcript = turn.Transcript;
            var number = turn.IsTrial || turn.Stage != PolicyStage.Request ? Math.Max(state.Turns, 1) : ++state.Turns;
            var firstNew = turn.Generated.Count > 0 ? turn.Generated.Min() : CommonPrefix(state.Judged, transcript);

            var authoredFrom = new Dictionary<int, int>();
            foreach (var (index, content) in state.Authored)
                if (index < transcript.Count && transcript[index].Role == MessageRole.Assistant && transcript[index].Content == content)
                    authoredFrom[index] = 0;
            foreach (var index in turn.Generated) authoredFrom[index] = 0;

            ScoredTranscript? scores = null;
            IReadOnlyDictionary<int, ScoredTranscript>? contrasts = null;
            ScoringStatistics? statistics = null;
            string? failure = null;
            Exception? error = null;

            // A ledger that cannot be read is a failure of the same kind as scoring: the policy's mode decides.
            IReadOnlyList<MessageProvenance>? provenance = null;
            if (_options.Ledger is { } ledger)
            {
                try
                {
                    provenance = await ledger.VerifyAsync(turn.ConversationId, transcript, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"provenance ledger: {e.GetType().Name}: {e.Message}";
                    error = e;
                }
            }

            if (failure is null)
            {
                var timeout = _options.ScoringTimeout ?? policy.Budgets.ScoringTimeout;
                var session = state.Session;
                // Off the caller's thread: a scorer that computes synchronously must still be abandoned at the timeout.
                // New assistant turns judged by their signature are scored once more without the request (the
                // prompt-gain features; a second pass by design), on the same session: the prefix before the emptied
                // request comes from its cache. The transcript is then scored once more from that point, so the
                // session is left holding it and the next turn costs only its new tokens.
                var judged = PromptContrast.Judged(transcript, firstNew, authoredFrom, provenance).ToList();
                // A dedicated thread, not a pool thread: scorers compute synchronously, and on a small machine a few
                // of them can hold every pool thread, so the timer that ends the wait below could not run in time.
                var scoring = Task.Factory.StartNew(async () =>
                {
                    var scored = await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
                    var run = session.LastRun;
                    if (judged.Count == 0) return (scored, run, (IReadOnlyDictionary<int, ScoredTranscript>?)null);
                    var contrast = await PromptContrast.ScoreAsync(session.ScoreAsync, transcript, judged, cancellationToken).ConfigureAwait(false);
                    await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
                    return (scored, run, contrast);
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
                try
                {
                    (scores, statistics, contrasts) = await scoring.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    failure = $"timed out after {timeout.TotalMilliseconds:0} ms";
                    state.Abandon(scoring);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The run may still be going: never hand that session to the next turn.
                    state.Abandon(scoring);
                    throw;
                }
                catch (Exception e)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                    error = e;
                    state.Abandon(scoring);
                }
            }

            IReadOnlyList<Finding> findings;
            PolicyDecision decision;
            var context = new PolicyContext(turn.Stage, turn.Agent, turn.Function);
            if (scores is null)
            {
                findings = [];
                decision = PolicyDecision.ForScoringFailure(policy);
            }
            else
            {
                var all = _detectors.Detect(new DetectionContext(scores, _options.Calibration, provenance, authoredFrom, contrasts));
                var fresh = new List<Finding>(all.Count);
                foreach (var f in all) if (f.Message >= firstNew) fresh.Add(f);
                findings = fresh;
                decision = engine.Decide(findings, context);
            }
            var latency = Stopwatch.GetElapsedTime(started);
            var verdict = new TurnVerdict
            {
                ConversationId = turn.ConversationId,
                Turn = number,
                Stage = turn.Stage,
                Findings = findings,
                Decision = decision,
                Scores = scores,
                Statistics = statistics,
                Latency = latency,
                ScoringFailed = scores is null,
                FailureReason = failure,
                Agent = turn.Agent,
                Function = turn.Function,
                Model = turn.Model,
            };
            if (!turn.IsTrial) Report(verdict, policy, error);
            return verdict;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>
    /// Ends a call: marks its transcript judged, remembers and attests the generated messages the host received, and
    /// writes the audit record.
    /// </summary>
    public async Task CompleteAsync(TurnCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var state = await _sessions.AcquireAsync(completion.ConversationId, cancellationToken).ConfigureAwait(false);
        try
        {
            state.Judged = completion.Transcript;
            foreach (var index in completion.Generated)
            {
                if (index >= completion.Transcript.Count) continue;
                var message = completion.Transcript[index];
                state.Authored[index] = message.Content;
                if (_options.Ledger is { } ledger && message.Role == MessageRole.Assistant)
                    await ledger.AttestAsync(completion.ConversationId, completion.Transcript, index, completion.Model ?? _scorer.ModelId, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            state.Gate.Release();
        }
        if (_options.Recorder is { } recorder && completion.Verdicts.Count > 0)
            await recorder.RecordAsync(ToRecord(completion), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops listening to the policy store and drops every scoring session.</summary>
    public void Dispose()
    {
        if (_store is not null)
        {
            _store.PolicyReloaded -= OnPolicyReloaded;
            _store.PolicyRejected -= OnPolicyRejected;
        }
        _sessions.Dispose();
    }

    private void Report(TurnVerdict verdict, Policy policy, Exception? error)
    {
        var id = verdict.ConversationId;
        var stage = StageName(verdict.Stage);
        var latencyMs = Math.Round(verdict.Latency.TotalMilliseconds, 2);
        if (verdict.ScoringFailed)
        {
            MonitorEvents.ScoringFailed(_logger, stage, verdict.Turn, id, latencyMs, verdict.FailureReason ?? "unknown",
                policy.Name, policy.Mode == FailureMode.FailClosed ? "fail-closed" : "fail-open", error);
        }
        foreach (var f in verdict.Findings)
        {
            MonitorEvents.FindingDetected(_logger, f.Kind, f.Severity.ToString().ToLowerInvariant(), f.Message, verdict.Turn, id,
                Math.Round(f.Score, 4), Math.Round(f.Threshold, 4), verdict.Agent, verdict.Model);
        }
        if (!verdict.Decision.IsEmpty)
        {
            var rules = verdict.Decision.MatchedRules.IsDefaultOrEmpty
                ? (verdict.ScoringFailed ? "failure-mode" : "none")
                : string.Join(", ", verdict.Decision.MatchedRules.Select(r => r.Rule.Name));
            MonitorEvents.PolicyDecided(_logger, verdict.Decision.PolicyName, verdict.Decision.PolicyVersion,
                ActionNames(verdict.Decision), stage, verdict.Turn, id, rules, latencyMs);
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            MonitorEvents.TurnMonitored(_logger, stage, verdict.Turn, id, verdict.Findings.Count,
                verdict.Statistics?.TotalTokens ?? 0, verdict.Statistics?.ComputedTokens ?? 0, latencyMs);
        }
    }

    internal static string StageName(PolicyStage stage) => stage == PolicyStage.Request ? "request" : stage == PolicyStage.Response ? "response" : "any";

    /// <summary>The decision's actions as policy-file names, comma-separated ("strip, log").</summary>
    public static string ActionNames(PolicyDecision decision) =>
        string.Join(", ", decision.Actions.Select(a => ActionOutcome.NameOf(a.Kind)));

    private static int CommonPrefix(Transcript judged, Transcript current)
    {
        var n = Math.Min(judged.Count, current.Count);
        var i = 0;
        // Role and content only: SK and M.E.AI name tool messages differently (function name vs call id).
        while (i < n && judged[i].Role == current[i].Role && judged[i].Content == current[i].Content) i++;
        return i;
    }

    private TurnRecord ToRecord(TurnCompletion completion)
    {
        var first = completion.Verdicts[0];
        return new TurnRecord
        {
            Time = _options.TimeProvider.GetUtcNow(),
            ConversationId = completion.ConversationId,
            Turn = first.Turn,
            Agent = first.Agent,
            Function = first.Function,
            Model = completion.Model ?? first.Model,
            Messages = completion.Transcript.Messages.Select(RecordedMessage.From).ToArray(),
            Generated = completion.Generated,
            Stages = completion.Verdicts.Select(v => new RecordedStage
            {
                Stage = StageName(v.Stage),
                Policy = $"{v.Decision.PolicyName} {v.Decision.PolicyVersion}",
                Rules = v.Decision.MatchedRules.IsDefault ? [] : v.Decision.MatchedRules.Select(r => r.Rule.Name).ToArray(),
                Decision = v.Decision.Actions.Select(a => ActionOutcome.NameOf(a.Kind)).ToArray(),
                Findings = v.Findings.Select(f => new RecordedFinding(f.Kind, f.Severity.ToString().ToLowerInvariant(),
                    Math.Round(f.Score, 4), Math.Round(f.Threshold, 4), f.Message, f.Start, f.End)).ToArray(),
                Scores = v.MessageScores.Select(s => new RecordedScore(s.Message, s.Tokens, Math.Round(s.MeanEntropy, 4), Math.Round(s.MeanSurprisal, 4))).ToArray(),
                Tokens = v.Statistics?.TotalTokens ?? 0,
                ComputedTokens = v.Statistics?.ComputedTokens ?? 0,
                LatencyMs = Math.Round(v.Latency.TotalMilliseconds, 2),
                ScoringFailed = v.ScoringFailed,
                Failure = v.FailureReason,
            }).ToArray(),
            Actions = completion.Outcomes.Select(o => new RecordedAction(StageName(o.Stage), ActionOutcome.NameOf(o.Action), o.Outcome, o.Detail)).ToArray(),
        };
    }

    private void OnPolicyReloaded(object? sender, PolicyReloadedEventArgs e) =>
        MonitorEvents.PolicyReloaded(_logger, e.Current.Name, e.Current.Version, e.File, e.Previous.Name, e.Previous.Version);

    private void OnPolicyRejected(object? sender, PolicyRejectedEventArgs e) =>
        MonitorEvents.PolicyRejected(_logger, e.File, e.InForce.Name, e.InForce.Version, e.Problem);
}
