using System.Collections.Immutable;
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
public sealed class ConversationMonitor : IConversationMonitor, IDisposable
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

    /// <inheritdoc/>
    public async Task<IMonitoredExchange> BeginAsync(ExchangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Conversation.Id, nameof(request));
        var state = await _sessions.AcquireAsync(request.Conversation.Id, cancellationToken).ConfigureAwait(false);
        try
        {
            var call = new MonitoredCall(request.Conversation.Id, _policy().Policy.Budgets)
            {
                Agent = request.Agent,
                Function = request.Function,
                Model = request.Model,
                Streaming = request.Streaming,
            };
            var verdict = await JudgeAsync(state, new MonitoredTurn(request.Conversation.Id, request.Transcript, PolicyStage.Request)
            {
                Agent = request.Agent,
                Function = request.Function,
                Model = request.Model,
            }, request.Conversation, cancellationToken).ConfigureAwait(false);
            return new MonitoredExchange(this, state, request, call, verdict);
        }
        catch
        {
            state.Gate.Release();
            throw;
        }
    }

    /// <summary>Scores, detects and decides one stage of a turn; the caller holds the conversation's gate.</summary>
    internal async Task<TurnVerdict> JudgeAsync(ConversationState state, MonitoredTurn turn, ConversationIdentity conversation, CancellationToken cancellationToken)
    {
        var started = _options.TimeProvider.GetTimestamp();
        var engine = _policy();
        var policy = engine.Policy;
        using var activity = turn.IsTrial ? null : EnactionTelemetry.Source.StartActivity("enaction.judge " + StageName(turn.Stage));
        activity?.SetTag("gen_ai.conversation.id", turn.ConversationId);
        activity?.SetTag("gen_ai.agent.name", turn.Agent);
        activity?.SetTag("gen_ai.request.model", turn.Model);
        var transcript = turn.Transcript;
        var number = turn.IsTrial || turn.Stage != PolicyStage.Request ? Math.Max(state.Turns, 1) : ++state.Turns;
        using var scope = BeginScope(turn.ConversationId, turn.Agent, number);
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
        if (LedgerFor(conversation) is { } ledger)
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
            // New assistant turns judged by their signature are scored once more without the request (the
            // prompt-gain features; a second pass by design), on the same session.
            var judged = PromptContrast.Judged(transcript, firstNew, authoredFrom, provenance).ToList();
            var timeout = _options.ScoringTimeout ?? policy.Budgets.ScoringTimeout;
            // The time limit cancels the scoring run (the scorer stops its work), it does not just stop waiting.
            using var deadline = new CancellationTokenSource(timeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var session = state.Session;
            var scoring = ScoreAsync(session, transcript, judged, linked.Token);
            try
            {
                // WaitAsync as well: a scorer that ignores its token is left behind (and its session dropped), never waited for.
                (scores, statistics, contrasts) = await scoring.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                failure = $"timed out after {timeout.TotalMilliseconds:0} ms";
                if (!scoring.IsCompleted) state.Abandon(scoring);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!scoring.IsCompleted) state.Abandon(scoring);
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
            // Nothing judged these turns by their signature: the ledger's verdict stands in for it, and with no ledger
            // the policy's rule for unjudged turns applies (default strip). Scoring failure is never a way in.
            findings = Unjudged(transcript, firstNew, authoredFrom, provenance, failure ?? "scoring failed");
            decision = policy.Mode == FailureMode.FailOpen && provenance is not null
                ? engine.Decide(findings, context)
                : PolicyDecision.ForScoringFailure(policy, unjudged: findings.Count > 0);
            if (findings.Count > 0 && !turn.IsTrial)
            {
                MonitorEvents.UnjudgedTurns(_logger, string.Join(", ", findings.Select(f => f.Message).Distinct()), number, turn.ConversationId,
                    failure ?? "scoring failed", provenance is null ? "no ledger" : "the ledger's verdict applies",
                    policy.Name, provenance is null ? UnjudgedName(policy.Unjudged) : "its rules decide");
            }
        }
        else
        {
            var all = _detectors.Detect(new DetectionContext(scores, _options.Calibration, provenance, authoredFrom, contrasts));
            var fresh = new List<Finding>(all.Count);
            foreach (var f in all) if (f.Message >= firstNew) fresh.Add(f);
            findings = fresh;
            decision = engine.Decide(findings, context);
        }
        var verdict = new TurnVerdict
        {
            ConversationId = turn.ConversationId,
            Turn = number,
            Stage = turn.Stage,
            Findings = findings,
            Decision = decision,
            Scores = scores,
            Statistics = statistics,
            Latency = _options.TimeProvider.GetElapsedTime(started),
            ScoringFailed = scores is null,
            FailureReason = failure,
            Agent = turn.Agent,
            Function = turn.Function,
            Model = turn.Model,
        };
        if (!turn.IsTrial)
        {
            Report(verdict, policy, error);
            Measure(verdict, activity);
        }
        return verdict;
    }

    /// <summary>
    /// Ends a call (the caller holds the gate): marks its transcript judged, remembers and attests the generated
    /// messages, and writes the audit record. A failed write follows the policy's failure mode.
    /// </summary>
    internal async Task CompleteAsync(ConversationState state, ExchangeRequest request, MonitoredCall call, Transcript transcript,
        IReadOnlyList<int> generated, CancellationToken cancellationToken)
    {
        var id = request.Conversation.Id;
        using var scope = BeginScope(id, call.Agent);
        state.Judged = transcript;
        var model = call.Model ?? _scorer.ModelId;
        string? what = null;
        Exception? failed = null;
        var attest = LedgerFor(request.Conversation);
        foreach (var index in generated)
        {
            if (index < 0 || index >= transcript.Count) continue;
            var message = transcript[index];
            state.Authored[index] = message.Content;
            if (attest is null || failed is not null || message.Role != MessageRole.Assistant) continue;
            try
            {
                // The attestation binds the history it answered, so an edited request under it reads as altered.
                await attest.AttestAsync(id, transcript, index, model, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                (what, failed) = ("attestation", e);
            }
        }

        TurnRecord? record = null;
        if (_options.Recorder is { } recorder && call.Verdicts.Count > 0)
        {
            record = ToRecord(id, transcript, generated, call, model);
            try
            {
                await recorder.RecordAsync(record, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (failed is null) (what, failed) = ("audit record", e);
                else what += " and audit record";
            }
        }
        if (failed is null) return;

        // The record goes into the error event, so a host's structured log (the CLEF audit file) keeps it.
        var policy = _policy().Policy;
        var json = record is null ? "{}" : AuditJson.ToJson(record);
        MonitorEvents.RecordingFailed(_logger, what!, call.Verdicts.Count > 0 ? call.Verdicts[0].Turn : state.Turns, id, policy.Name,
            policy.Mode == FailureMode.FailClosed ? "fail-closed" : "fail-open", $"{failed.GetType().Name}: {failed.Message}", json, failed);
        if (policy.Mode == FailureMode.FailClosed) throw new EnactionRecordingException(id, what!, transcript, failed);
    }

    private static void Measure(TurnVerdict verdict, System.Diagnostics.Activity? activity)
    {
        var stage = StageName(verdict.Stage);
        EnactionTelemetry.ScoringDuration.Record(verdict.Latency.TotalSeconds,
            new KeyValuePair<string, object?>("enaction.stage", stage), new KeyValuePair<string, object?>("enaction.scoring.failed", verdict.ScoringFailed));
        if (verdict.Statistics is { } run)
        {
            EnactionTelemetry.Tokens.Add(run.ComputedTokens, new KeyValuePair<string, object?>("enaction.tokens.computed", true));
            EnactionTelemetry.Tokens.Add(Math.Max(0, run.TotalTokens - run.ComputedTokens), new KeyValuePair<string, object?>("enaction.tokens.computed", false));
        }
        foreach (var f in verdict.Findings)
            EnactionTelemetry.Findings.Add(1, new KeyValuePair<string, object?>("enaction.finding.kind", f.Kind),
                new KeyValuePair<string, object?>("enaction.finding.severity", EnumNames.Name(f.Severity)));
        if (activity is null) return;
        activity.SetTag("enaction.turn", verdict.Turn);
        activity.SetTag("enaction.findings", verdict.Findings.Count);
        activity.SetTag("enaction.actions", ActionNames(verdict.Decision));
        if (verdict.ScoringFailed) activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, verdict.FailureReason);
    }

    private ProvenanceLedger? LedgerFor(ConversationIdentity conversation) =>
        conversation.IsDerived && !_options.AttestDerivedConversationIds ? null : _options.Ledger;

    /// <summary>
    /// Scores the transcript and, for each judged turn, its second pass with the request emptied on a fork of the
    /// session (<see cref="PromptContrast.ScoreAsync(IScoringSession, Transcript, IEnumerable{int}, CancellationToken)"/>):
    /// the session keeps the real transcript, so the next turn costs only its new tokens and judging stays linear.
    /// </summary>
    private static async Task<(ScoredTranscript, ScoringStatistics, IReadOnlyDictionary<int, ScoredTranscript>?)> ScoreAsync(
        IScoringSession session, Transcript transcript, List<int> judged, CancellationToken cancellationToken)
    {
        var scored = await PromptContrast.ScoreAsync(session, transcript, judged, cancellationToken).ConfigureAwait(false);
        return (scored.Scores, scored.Statistics, judged.Count == 0 ? null : scored.Contrasts);
    }

    /// <summary>Findings for the new assistant turns that nothing judged because scoring failed.</summary>
    private static List<Finding> Unjudged(Transcript transcript, int firstNew, Dictionary<int, int> authoredFrom,
        IReadOnlyList<MessageProvenance>? provenance, string reason)
    {
        var findings = new List<Finding>();
        var verdicts = provenance?.ToDictionary(p => p.MessageIndex, p => p.Status);
        for (var m = Math.Max(0, firstNew); m < transcript.Count; m++)
        {
            if (transcript[m].Role != MessageRole.Assistant || authoredFrom.ContainsKey(m)) continue;
            var end = transcript[m].Content.Length;
            var detail = ImmutableDictionary<string, object>.Empty.Add("method", "unjudged").Add("reason", reason);
            if (verdicts is null)
            {
                findings.Add(new Finding(FindingKinds.Unjudged, Severity.High, 0, 0, m, 0, end, detail));
                continue;
            }
            var status = verdicts.TryGetValue(m, out var s) ? s : ProvenanceStatus.Unattested;
            detail = detail.Add("provenance", status.ToString().ToLowerInvariant());
            switch (status)
            {
                case ProvenanceStatus.Attested:
                    break;
                case ProvenanceStatus.Altered:
                    findings.Add(new Finding(FindingKinds.Altered, Severity.High, 0, 0, m, 0, end, detail));
                    break;
                default:
                    findings.Add(new Finding(FindingKinds.Unattested, Severity.High, 0, 0, m, 0, end, detail));
                    break;
            }
        }
        return findings;
    }

    private static string UnjudgedName(UnjudgedTurns unjudged) => unjudged switch
    {
        UnjudgedTurns.Block => "block",
        UnjudgedTurns.Keep => "keep",
        _ => "strip",
    };

    private IDisposable? BeginScope(string conversationId, string? agent, int? turn = null) =>
        _logger.BeginScope(new Dictionary<string, object?> { ["ConversationId"] = conversationId, ["Agent"] = agent, ["Turn"] = turn });

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
            MonitorEvents.FindingDetected(_logger, f.Kind, EnumNames.Name(f.Severity), f.Message, verdict.Turn, id,
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

    internal static string StageName(PolicyStage stage) => EnumNames.Name(stage);

    /// <summary>The decision's actions as policy-file names, comma-separated ("strip, log").</summary>
    public static string ActionNames(PolicyDecision decision) =>
        string.Join(", ", decision.Actions.Select(a => a.Name));

    private static int CommonPrefix(Transcript judged, Transcript current)
    {
        var n = Math.Min(judged.Count, current.Count);
        var i = 0;
        // Role and content only: SK and M.E.AI name tool messages differently (function name vs call id).
        while (i < n && judged[i].Role == current[i].Role && judged[i].Content == current[i].Content) i++;
        return i;
    }

    private TurnRecord ToRecord(string conversationId, Transcript transcript, IReadOnlyList<int> generated, MonitoredCall call, string model)
    {
        var first = call.Verdicts[0];
        return new TurnRecord
        {
            Time = _options.TimeProvider.GetUtcNow(),
            ConversationId = conversationId,
            Turn = first.Turn,
            Agent = first.Agent,
            Function = first.Function,
            Model = model,
            Messages = transcript.Messages.Select(RecordedMessage.From).ToArray(),
            Generated = generated,
            Stages = call.Verdicts.Select(v => new RecordedStage
            {
                Stage = StageName(v.Stage),
                Policy = $"{v.Decision.PolicyName} {v.Decision.PolicyVersion}",
                Rules = v.Decision.MatchedRules.IsDefault ? [] : v.Decision.MatchedRules.Select(r => r.Rule.Name).ToArray(),
                Decision = v.Decision.Actions.Select(a => a.Name).ToArray(),
                Findings = v.Findings.Select(f => RecordedFinding.From(f)).ToArray(),
                Scores = v.MessageScores.Select(s => new RecordedScore(s.Message, s.Tokens, Math.Round(s.MeanEntropy, 4), Math.Round(s.MeanSurprisal, 4))).ToArray(),
                Tokens = v.Statistics?.TotalTokens ?? 0,
                ComputedTokens = v.Statistics?.ComputedTokens ?? 0,
                LatencyMs = Math.Round(v.Latency.TotalMilliseconds, 2),
                ScoringFailed = v.ScoringFailed,
                Failure = v.FailureReason,
            }).ToArray(),
            Actions = call.Outcomes.Select(o => new RecordedAction(StageName(o.Stage), o.Action, o.Outcome, o.Detail)).ToArray(),
        };
    }

    private void OnPolicyReloaded(object? sender, PolicyReloadedEventArgs e) =>
        MonitorEvents.PolicyReloaded(_logger, e.Current.Name, e.Current.Version, e.File, e.Previous.Name, e.Previous.Version);

    private void OnPolicyRejected(object? sender, PolicyRejectedEventArgs e) =>
        MonitorEvents.PolicyRejected(_logger, e.File, e.InForce.Name, e.InForce.Version, e.Problem);
}
