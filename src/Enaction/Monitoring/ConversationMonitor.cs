using System.Collections.Concurrent;
using System.Collections.Immutable;
using Enaction.Actions;
using Enaction.Conformal;
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
    private readonly DetectorSet _generatorDetectors;
    private readonly ConversationSessions _sessions;
    private readonly ILogger _logger;
    private readonly ScoringSourceResolver _sources;
    private readonly ConcurrentDictionary<string, byte> _announced = new(StringComparer.OrdinalIgnoreCase);
    private readonly OffPolicyDetector? _offPolicy;
    private readonly OwnTurnScoring _own;

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
        // The detectors that need only the response's tokens can run on a generator's own log-probabilities.
        _generatorDetectors = new DetectorSet(_detectors.Detectors.Where(d => d.Kinds.Count > 0
            && d.Kinds.All(k => k is FindingKinds.OverconfidentSpan or FindingKinds.BrokenIntention)));
        _sessions = new ConversationSessions(_scorer, _options.SessionCapacity);
        _logger = logger ?? NullLogger.Instance;
        _sources = new ScoringSourceResolver(_scorer, _options.Sources);
        _offPolicy = _detectors.Detectors.OfType<OffPolicyDetector>().FirstOrDefault();
        _own = new OwnTurnScoring(new ConformalThresholds(_options.OwnScores ?? new InMemoryOwnScoreStore(), _logger), _offPolicy,
            _scorer.WeightsSha256 ?? _scorer.ModelId);
        _store = store;
        if (_store is not null)
        {
            _store.PolicyReloaded += OnPolicyReloaded;
            _store.PolicyRejected += OnPolicyRejected;
        }
        var engine = _policy();
        foreach (var generator in _sources.KnownGenerators) Announce(generator, engine.Policy);
        WarnRulesThatCannotFire(engine.Policy);
    }

    /// <summary>
    /// Decides whose distribution scores each assistant message (generator ids, same-model aliases, bound weights). A
    /// local generator registered with the monitor binds itself here (<see cref="ScoringSourceResolver.Bind"/>).
    /// </summary>
    public ScoringSourceResolver Sources => _sources;

    /// <summary>
    /// Binds a local generator that runs the weights whose SHA-256 is <paramref name="weightsSha256"/> under
    /// <paramref name="generatorModel"/> and reports, once, which detectors judge its messages.
    /// </summary>
    public void BindGenerator(string generatorModel, string weightsSha256)
    {
        _sources.Bind(generatorModel, weightsSha256);
        _announced.TryRemove(generatorModel, out _);
        Announce(generatorModel, _policy().Policy);
    }

    /// <summary>The policy engine in force now.</summary>
    public PolicyEngine Policy => _policy();

    /// <summary>The scoring model's id.</summary>
    public string ScoringModel => _scorer.ModelId;

    /// <summary>
    /// The finding kinds the monitor computes from a generator's own log-probabilities when the generator returns them
    /// (the detectors that need only the response's tokens: overconfident spans and the broken-intention jump); other
    /// detectors read the scorer's numbers or none.
    /// </summary>
    public IReadOnlyList<string> GeneratorLogprobKinds => [.. _generatorDetectors.Kinds];

    /// <inheritdoc/>
    public int TopLogprobsToRequest(string? generator)
    {
        if (_options.GeneratorTopLogprobs == 0 || RunsWeightsOf(generator)) return 0;
        foreach (var rule in _policy().Policy.Rules)
        {
            if (rule.Match.Stage == PolicyStage.Request) continue;
            if (rule.Match.Kinds.IsDefaultOrEmpty) return _options.GeneratorTopLogprobs;
            foreach (var kind in rule.Match.Kinds)
                if (_generatorDetectors.Kinds.Contains(kind, StringComparer.Ordinal)) return _options.GeneratorTopLogprobs;
        }
        return 0;
    }

    /// <summary>Whether the scorer runs <paramref name="generator"/>'s own weights (unknown generators are taken to be the scorer's model).</summary>
    /// <remarks>
    /// The one resolver decides, so aliases and weights bound by SHA-256 count here as they do for the message's source.
    /// </remarks>
    private bool RunsWeightsOf(string? generator) =>
        (generator ?? _sources.DefaultGenerator) is not { } id || _sources.Resolve(id) != ScoringSource.Surrogate;

    /// <summary>The off-policy thresholds set from this deployment's own turns (used when conformal thresholds are on).</summary>
    public ConformalThresholds Conformal => _own.Thresholds;

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
                Sampler = (request.Temperature, request.TopP),
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
        // A generated message that came with the generator's own log-probabilities is judged on those numbers.
        Dictionary<int, ScoringSource>? fromLogprobs = null;
        if (turn.GeneratorLogprobs.Count > 0 && !RunsWeightsOf(turn.Model))
            foreach (var (index, tokens) in turn.GeneratorLogprobs)
                if (turn.Generated.Contains(index) && tokens.Count > 0) (fromLogprobs ??= [])[index] = ScoringSource.GeneratorLogprobs;
        var sources = _sources.Resolve(transcript, turn.Model, fromLogprobs);
        if (!turn.IsTrial)
            foreach (var s in sources) Announce(s.Generator, policy, s.Source);

        var authoredFrom = new Dictionary<int, int>();
        foreach (var (index, content) in state.Authored)
            if (index < transcript.Count && transcript[index].Role == MessageRole.Assistant && transcript[index].Content == content)
                authoredFrom[index] = 0;
        foreach (var index in turn.Generated) authoredFrom[index] = Boundary(transcript, index, turn.AuthoredFrom);
        var conformal = _own.OptionsFor(policy, _options.Conformal);

        ScoredTranscript? scores = null;
        ScoredTranscript? generatorScores = null;
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
            // A surrogate-scored turn the policy does not judge gets no signature, so no second pass either.
            var judged = PromptContrast.Judged(transcript, firstNew, authoredFrom, provenance)
                .Where(m => Judges(sources, m, policy)).ToList();
            // Own turns sampled for the conformal reservoir get the same second pass, so their scores are computed alike.
            if (conformal is not null && !turn.IsTrial)
                judged.AddRange(_own.ContrastSample(turn.ConversationId, number, transcript, turn.Generated, authoredFrom, conformal, _options.Calibration));
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
                // The nucleus is a claim about the generator's sampler: a call that samples more widely than the model's
                // configured sampler (top-p 1, a temperature above 1) says so, and the turns its weights judge are held to
                // the wider nucleus. A call never narrows it: the history turns judged were written by earlier calls.
                if (turn.Sampler != default && RunsWeightsOf(turn.Model))
                    scores = scores.WithSamplingTopP(SamplerNucleus.Widest(scores.SamplingTopP,
                        SamplerNucleus.Of(turn.Sampler.Temperature, turn.Sampler.TopP, scores.SamplingTopP)));
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
        IReadOnlyDictionary<int, double> ownScores = ImmutableDictionary<int, double>.Empty;
        ConformalThreshold? threshold = null;
        int[] ledgerAlone = [];
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
            var key = conformal is null ? null : _own.Key(turn.Model ?? _scorer.ModelId, turn.Agent, _options.Calibration);
            if (key is not null) threshold = await _own.ThresholdAsync(key, conformal!, _options.Calibration, cancellationToken).ConfigureAwait(false);
            var detection = new DetectionContext(scores, _options.Calibration, provenance, authoredFrom, contrasts)
            {
                Scoring = sources,
                ScorerSource = _sources.ScorerSource,
                JudgeSurrogates = policy.Surrogate == SurrogateTurns.Judge,
                SurrogateCalibration = _options.SurrogateCalibration,
                OffPolicyThreshold = threshold,
            };
            var all = _detectors.Detect(detection);
            if (turn.GeneratorLogprobs.Count > 0 && !RunsWeightsOf(turn.Model))
                (generatorScores, all) = JudgeOnGeneratorLogprobs(turn, all);
            var fresh = new List<Finding>(all.Count);
            foreach (var f in all) if (f.Message >= firstNew) fresh.Add(f);
            // A history turn another model wrote, that no ledger attests and the policy does not judge by a surrogate's
            // numbers, was judged by nobody: the policy's unjudged treatment applies, as for a scoring failure.
            var unjudged = provenance is null ? SurrogateUnjudged(transcript, firstNew, authoredFrom, sources, policy) : [];
            fresh.AddRange(unjudged);
            findings = fresh;
            decision = engine.Decide(findings, context);
            if (unjudged.Count > 0)
            {
                decision = WithUnjudged(decision, policy);
                if (!turn.IsTrial)
                {
                    MonitorEvents.UnjudgedTurns(_logger, string.Join(", ", unjudged.Select(f => f.Message)), number, turn.ConversationId,
                        "scored by a surrogate, which the policy does not judge", "no ledger", policy.Name, UnjudgedName(policy.Unjudged));
                }
            }
            if (conformal is not null && !turn.IsTrial) ownScores = _own.Score(scores, contrasts, turn.Generated, authoredFrom, _options.Calibration);
            ledgerAlone = _offPolicy?.JudgedByLedgerAlone(detection).Where(m => m >= firstNew).ToArray() ?? [];
            if (ledgerAlone.Length > 0 && !turn.IsTrial)
            {
                MonitorEvents.JudgedByLedgerAlone(_logger, string.Join(", ", ledgerAlone), number, turn.ConversationId, _offPolicy!.Options.MinTurnTokens,
                    provenance is null ? "no ledger, so they were not judged" : "the ledger's verdict applies");
            }
        }
        var verdict = new TurnVerdict
        {
            ConversationId = turn.ConversationId,
            Turn = number,
            Stage = turn.Stage,
            Findings = findings,
            Decision = decision,
            Scores = scores,
            GeneratorScores = generatorScores,
            Statistics = statistics,
            Latency = _options.TimeProvider.GetElapsedTime(started),
            ScoringFailed = scores is null,
            FailureReason = failure,
            Agent = turn.Agent,
            Function = turn.Function,
            Model = turn.Model,
            Scoring = sources,
            OwnTurnScores = ownScores,
            OffPolicyThreshold = threshold,
            JudgedByLedgerAlone = ledgerAlone,
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
        if (failed is null)
        {
            // Recorded as the model's own: its score joins the model and agent's reservoir.
            if (_own.OptionsFor(_policy().Policy, _options.Conformal) is { } conformal && generated.Count > 0)
            {
                var verdict = call.Verdicts.LastOrDefault(v => v.Stage == PolicyStage.Response);
                await _own.ObserveAsync(verdict, transcript, generated, _own.Key(model, call.Agent, _options.Calibration), conformal,
                    _options.Calibration, cancellationToken).ConfigureAwait(false);
            }
            return;
        }

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

    /// <summary>
    /// Where the model's own text begins in generated message <paramref name="index"/>: the continued prefill's length
    /// the generator reported, when it is a real offset into an assistant message; else 0 (the whole message).
    /// </summary>
    private static int Boundary(Transcript transcript, int index, IReadOnlyDictionary<int, int>? reported) =>
        reported is not null && reported.TryGetValue(index, out var b) && index >= 0 && index < transcript.Count
            && transcript[index].Role == MessageRole.Assistant && b > 0 && b <= transcript[index].Content.Length ? b : 0;

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

    /// <summary>
    /// The generated messages that came with the generator's log-probabilities, judged on those numbers: their findings
    /// of <see cref="GeneratorLogprobKinds"/> replace the scorer's (a model that did not write the text measures its own
    /// surprise, not the generator's), each marked <c>source: generator-logprobs</c>. No calibration applies: it was
    /// fitted for the scorer's model, so the detectors use their transcript-relative defaults.
    /// </summary>
    private (ScoredTranscript, IReadOnlyList<Finding>) JudgeOnGeneratorLogprobs(MonitoredTurn turn, IReadOnlyList<Finding> findings)
    {
        var messages = new Dictionary<int, IReadOnlyList<TokenLogprob>>();
        foreach (var (index, tokens) in turn.GeneratorLogprobs)
            if (turn.Generated.Contains(index) && index < turn.Transcript.Count && tokens.Count > 0) messages[index] = tokens;
        var scored = GeneratorLogprobScores.Score(turn.Transcript, messages, turn.Model ?? "generator", _options.GeneratorVocabularySize);
        var authored = messages.Keys.ToDictionary(m => m, _ => 0);
        var own = _generatorDetectors.Detect(new DetectionContext(scored, calibration: null, authoredFrom: authored));
        var kinds = _generatorDetectors.Kinds;
        var result = new List<Finding>(findings.Count + own.Count);
        foreach (var f in findings)
            if (!messages.ContainsKey(f.Message) || !kinds.Contains(f.Kind, StringComparer.Ordinal)) result.Add(f);
        foreach (var f in own) result.Add(f with { Detail = f.Detail.SetItem("source", "generator-logprobs") });
        result.Sort(static (a, b) => a.Message != b.Message ? a.Message.CompareTo(b.Message) : a.Start != b.Start ? a.Start.CompareTo(b.Start) : string.CompareOrdinal(a.Kind, b.Kind));
        return (scored, result);
    }

    /// <summary>
    /// Unjudged findings for the new history assistant turns scored by a surrogate the policy does not judge (with no
    /// ledger, nothing else can vouch for them).
    /// </summary>
    private List<Finding> SurrogateUnjudged(Transcript transcript, int firstNew, Dictionary<int, int> authoredFrom,
        ImmutableArray<MessageScoring> sources, Policy policy)
    {
        var findings = new List<Finding>();
        foreach (var s in sources)
        {
            if (s.Message < firstNew || authoredFrom.ContainsKey(s.Message) || Judges(sources, s.Message, policy)) continue;
            var detail = ImmutableDictionary<string, object>.Empty.Add("method", "unjudged")
                .Add("reason", $"scored by a surrogate of {s.Generator}; the policy says surrogate: {(policy.Surrogate == SurrogateTurns.Judge ? "judge, but no surrogate calibration for it is loaded" : "skip")}")
                .Add("source", s.Source.ToName());
            findings.Add(new Finding(FindingKinds.Unjudged, Severity.High, 0, 0, s.Message, 0, transcript[s.Message].Content.Length, detail));
        }
        return findings;
    }

    /// <summary><paramref name="decision"/> with the policy's treatment of unjudged history turns (as <see cref="PolicyDecision.ForScoringFailure"/>).</summary>
    private static PolicyDecision WithUnjudged(PolicyDecision decision, Policy policy)
    {
        var actions = decision.Actions.IsDefault ? [] : decision.Actions;
        var log = actions.OfType<LogAction>().Any() ? actions : actions.Add(new LogAction());
        actions = policy.Unjudged switch
        {
            UnjudgedTurns.Block when decision.Block is null => [new BlockAction(null, false), new LogAction()],
            UnjudgedTurns.Strip when decision.Block is null && !actions.OfType<StripAction>().Any() => log.Insert(0, new StripAction()),
            _ => log,
        };
        return decision with { Actions = actions };
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
                Math.Round(f.Score, 4), Math.Round(f.Threshold, 4), verdict.Agent, verdict.Model, SourceName(verdict, f.Message));
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
            Scoring = ScoringOf(call.Verdicts),
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

    private void OnPolicyReloaded(object? sender, PolicyReloadedEventArgs e)
    {
        MonitorEvents.PolicyReloaded(_logger, e.Current.Name, e.Current.Version, e.File, e.Previous.Name, e.Previous.Version);
        // What is live may have changed with the policy's surrogate setting and rules.
        _announced.Clear();
        foreach (var generator in _sources.KnownGenerators) Announce(generator, e.Current);
        WarnRulesThatCannotFire(e.Current);
    }

    private bool Judges(ImmutableArray<MessageScoring> sources, int message, Policy policy) =>
        DetectionContext.JudgesSignature(sources, message, policy.Surrogate == SurrogateTurns.Judge, _options.SurrogateCalibration);

    /// <summary>Logs once per generator which detectors judge its messages and which are off, and why.</summary>
    private void Announce(string generator, Policy policy, ScoringSource? source = null)
    {
        if (!_announced.TryAdd(generator, 0)) return;
        var resolved = source ?? _sources.Resolve(generator);
        var (live, off) = Coverage(policy).Describe(generator, resolved);
        MonitorEvents.GeneratorDetectors(_logger, generator, resolved.ToName(), _scorer.ModelId,
            live.Count == 0 ? "none" : string.Join(", ", live), off.Count == 0 ? "none" : string.Join(", ", off));
    }

    /// <summary>Warns about each rule whose finding kinds no detector can report for any configured generator's source.</summary>
    private void WarnRulesThatCannotFire(Policy policy)
    {
        var coverage = Coverage(policy);
        var generators = _sources.KnownGenerators;
        var sources = generators.Select(g => (Generator: g, Source: _sources.Resolve(g))).ToList();
        foreach (var rule in policy.Rules)
        {
            var kinds = rule.Match.Kinds;
            // A rule for any kind, or for a kind no detector declares (the monitor's own unjudged), may always fire.
            if (kinds.IsDefaultOrEmpty || kinds.Any(k => !coverage.Declares(k))) continue;
            if (sources.Any(g => kinds.Any(k => coverage.CanReport(k, g.Generator, g.Source)))) continue;
            MonitorEvents.RuleCannotFire(_logger, rule.Name, policy.Name, policy.Version, string.Join(", ", generators), string.Join(", ", kinds),
                string.Join(", ", sources.Select(g => $"{g.Generator}: {g.Source.ToName()}")));
        }
    }

    private DetectorCoverage Coverage(Policy policy) => new(_detectors, policy, _options.SurrogateCalibration, _options.Ledger is not null);

    private string SourceName(TurnVerdict verdict, int message)
    {
        foreach (var s in verdict.Scoring) if (s.Message == message) return s.Source.ToName();
        return _sources.ScorerSource.ToName();
    }

    /// <summary>Every assistant message's scoring across the call's stages; a later stage (the longer transcript) wins.</summary>
    private static MessageScoring[] ScoringOf(List<TurnVerdict> verdicts)
    {
        var byMessage = new SortedDictionary<int, MessageScoring>();
        foreach (var v in verdicts)
            foreach (var s in v.Scoring) byMessage[s.Message] = s;
        return [.. byMessage.Values];
    }

    private void OnPolicyRejected(object? sender, PolicyRejectedEventArgs e) =>
        MonitorEvents.PolicyRejected(_logger, e.File, e.InForce.Name, e.InForce.Version, e.Problem);
}
