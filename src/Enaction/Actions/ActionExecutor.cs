using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Enaction.Actions;

/// <summary>
/// Executes a decision's actions, in the decision's order, on a request before the model call or on a response
/// after it. Each action's outcome is logged (<see cref="MonitorEventIds.ActionExecuted"/>) and kept on the call.
/// </summary>
public sealed class ActionExecutor
{
    private readonly VerifierRegistry _registry;
    private readonly ILogger _logger;

    /// <summary>Executes with the host's verifiers and escalations, logging outcomes to <paramref name="logger"/>.</summary>
    public ActionExecutor(VerifierRegistry? registry = null, ILogger? logger = null)
    {
        _registry = registry ?? new VerifierRegistry();
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>The host's verifiers and escalation callbacks.</summary>
    public VerifierRegistry Registry => _registry;

    /// <summary>
    /// Applies the request-stage decision: <c>strip</c> returns the request without untrusted assistant turns and
    /// without the turn markers smuggled into other messages;
    /// <c>block</c> marks the call blocked (the model is then not called); resample and verify do not apply.
    /// </summary>
    public async Task<IReadOnlyList<ChatMessage>> ApplyToRequestAsync(IMonitoredExchange exchange,
        IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(messages);
        var call = exchange.Call;
        var verdict = exchange.RequestVerdict;
        call.Verdicts.Add(verdict);
        var result = messages;
        foreach (var action in verdict.Decision.Actions)
        {
            switch (action)
            {
                case BlockAction block:
                    Block(call, verdict, block);
                    break;
                case StripAction:
                    var untrusted = UntrustedTurns.Find(verdict);
                    var smuggled = SmuggledRoleMarkers.Find(verdict);
                    if (untrusted.Count == 0 && smuggled.Count == 0)
                    {
                        Done(call, verdict, action, ActionOutcome.Outcomes.NothingToDo);
                        break;
                    }
                    var stripped = new List<string>(2);
                    // Markers first: removing messages shifts the indices the findings name.
                    if (smuggled.Count > 0)
                    {
                        result = SmuggledRoleMarkers.Strip(result, smuggled);
                        call.Metadata[ResponseMetadata.StrippedMarkers] = smuggled.Keys.ToArray();
                        stripped.Add($"removed role markers from message {string.Join(", ", smuggled.Keys)}");
                    }
                    if (untrusted.Count > 0)
                    {
                        result = UntrustedTurns.Remove(result, untrusted);
                        call.Metadata[ResponseMetadata.Stripped] = untrusted;
                        stripped.Add($"removed message {string.Join(", ", untrusted)}");
                    }
                    Done(call, verdict, action, ActionOutcome.Outcomes.Stripped, string.Join("; ", stripped));
                    break;
                case ResampleAction or VerifyAction:
                    Done(call, verdict, action, ActionOutcome.Outcomes.NotApplicable, "applies to responses");
                    break;
                default:
                    await CommonAsync(call, verdict, action, verdict.Scores?.Transcript ?? ChatMessageConversion.ToTranscript(messages), cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// Applies the response-stage decision and returns the response to give the caller with its verdict.
    /// <paramref name="resample"/> draws a new response at a temperature (null when resampling is impossible); each
    /// candidate is judged by the exchange.
    /// </summary>
    public async Task<(ChatResponse Response, TurnVerdict Verdict)> ApplyToResponseAsync(IMonitoredExchange exchange, TurnVerdict verdict,
        IReadOnlyList<ChatMessage> request, ChatResponse response, Func<float, CancellationToken, Task<ChatResponse>>? resample,
        float baseTemperature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(verdict);
        var call = exchange.Call;
        ArgumentNullException.ThrowIfNull(response);
        var decision = verdict.Decision;
        foreach (var action in decision.Actions)
        {
            // Once blocked, drawing or checking more text is pointless; escalate, annotate and log still run.
            if (call.IsBlocked && action is ResampleAction or VerifyAction) continue;
            switch (action)
            {
                case BlockAction block:
                    Block(call, verdict, block);
                    break;
                case StripAction:
                    Done(call, verdict, action, ActionOutcome.Outcomes.NotApplicable, "applies to requests");
                    break;
                case ResampleAction r:
                    (response, verdict) = await ResampleAsync(exchange, verdict, r, request, response, resample, baseTemperature, cancellationToken).ConfigureAwait(false);
                    break;
                case VerifyAction v:
                    await VerifyAsync(call, verdict, v, response, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await CommonAsync(call, verdict, action, verdict.Scores?.Transcript ?? Transcript.Empty, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        call.Verdicts.Add(verdict);
        return (response, verdict);
    }

    /// <summary>Attaches the call's metadata, verdict and outcomes to <paramref name="properties"/>.</summary>
    public static AdditionalPropertiesDictionary Annotate(MonitoredCall call, AdditionalPropertiesDictionary? properties)
    {
        ArgumentNullException.ThrowIfNull(call);
        properties ??= [];
        foreach (var (key, value) in call.Metadata) properties[key] = value;
        if (call.Verdicts.Count > 0) properties[ResponseMetadata.Verdict] = call.Verdicts[^1];
        properties[ResponseMetadata.Actions] = call.Outcomes.ToArray();
        if (call.IsBlocked) properties[ResponseMetadata.Blocked] = true;
        return properties;
    }

    /// <summary>The response a blocked call returns: the block's replacement text (or the default) as one assistant message.</summary>
    public static ChatResponse BlockedResponse(MonitoredCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var text = call.Block?.Replacement ?? BlockAction.DefaultReplacement;
        var message = new ChatMessage(ChatRole.Assistant, text);
        // Semantic Kernel reads the message's properties (ChatMessageContent.Metadata), M.E.AI callers the response's.
        message.AdditionalProperties = Annotate(call, null);
        return new ChatResponse(message)
        {
            FinishReason = ChatFinishReason.ContentFilter,
            ModelId = call.Model,
            AdditionalProperties = Annotate(call, null),
        };
    }

    private void Block(MonitoredCall call, TurnVerdict verdict, BlockAction block)
    {
        if (call.Block is null || (block.Throw && !call.Block.Throw))
        {
            call.Block = block;
            call.BlockedBy = verdict;
        }
        Done(call, verdict, block, block.Throw ? ActionOutcome.Outcomes.Raised : ActionOutcome.Outcomes.Blocked,
            verdict.ScoringFailed ? "scoring failed (fail-closed)" : Kinds(verdict.Findings));
    }

    private async Task CommonAsync(MonitoredCall call, TurnVerdict verdict, PolicyAction action, Transcript transcript, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case LogAction:
                Done(call, verdict, action, ActionOutcome.Outcomes.Logged, $"{verdict.Findings.Count} finding(s)");
                break;
            case AnnotateAction annotate:
                foreach (var (key, value) in annotate.Metadata) call.Metadata[key] = value;
                var all = call.Verdicts.SelectMany(v => v.Findings).ToList();
                foreach (var f in verdict.Findings) if (!all.Contains(f)) all.Add(f);
                call.Metadata[ResponseMetadata.Findings] = all;
                call.Metadata[ResponseMetadata.FindingKinds] = string.Join(",", all.Select(f => f.Kind).Distinct());
                Done(call, verdict, action, ActionOutcome.Outcomes.Annotated, string.Join(", ", annotate.Metadata.Keys.Prepend(ResponseMetadata.Findings)));
                break;
            case EscalateAction escalate:
                var callback = _registry.FindEscalation(escalate.Callback);
                if (callback is null)
                {
                    Done(call, verdict, action, ActionOutcome.Outcomes.Failed, $"no escalation callback named {escalate.Callback} is registered");
                    break;
                }
                MonitorEvents.Escalated(_logger, verdict.Turn, verdict.ConversationId, escalate.Callback, Kinds(verdict.Findings));
                try
                {
                    await callback(new EscalationContext(escalate.Callback, verdict, transcript), cancellationToken).ConfigureAwait(false);
                    Done(call, verdict, action, ActionOutcome.Outcomes.Escalated, escalate.Callback);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Done(call, verdict, action, ActionOutcome.Outcomes.Failed, $"{escalate.Callback}: {e.Message}");
                }
                break;
        }
    }

    private async Task<(ChatResponse, TurnVerdict)> ResampleAsync(IMonitoredExchange exchange, TurnVerdict verdict, ResampleAction action,
        IReadOnlyList<ChatMessage> request, ChatResponse response, Func<float, CancellationToken, Task<ChatResponse>>? resample,
        float baseTemperature, CancellationToken cancellationToken)
    {
        var call = exchange.Call;
        if (call.Streaming || resample is null)
        {
            Done(call, verdict, action, ActionOutcome.Outcomes.NotApplicable, "the response was streamed to the caller");
            return (response, verdict);
        }
        var granted = call.Budget.TakeResamples(action.Count);
        if (granted == 0)
        {
            Done(call, verdict, action, ActionOutcome.Outcomes.BudgetExhausted, $"wanted {action.Count}, 0 left");
            return (response, verdict);
        }
        var responses = new List<ChatResponse> { response };
        var verdicts = new List<TurnVerdict> { verdict };
        var requestTranscript = ChatMessageConversion.ToTranscript(request);
        var temperature = Math.Max(0f, baseTemperature + (float)action.TemperatureDelta);
        for (var i = 0; i < granted; i++)
        {
            var candidate = await resample(temperature, cancellationToken).ConfigureAwait(false);
            var transcript = new Transcript(requestTranscript.Messages.AddRange(candidate.Messages.Select(ChatMessageConversion.ToMessage)));
            var trial = await exchange.JudgeCandidateAsync(transcript,
                Enumerable.Range(requestTranscript.Count, candidate.Messages.Count).ToArray(), cancellationToken).ConfigureAwait(false);
            responses.Add(candidate);
            verdicts.Add(trial);
        }
        var chosen = ResampleSelection.Choose(action.Keep, responses.Select(r => r.Text).ToArray(), verdicts);
        var risks = string.Join(" ", verdicts.Select(v => v.Risk.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)));
        if (chosen == 0)
        {
            Done(call, verdict, action, ActionOutcome.Outcomes.Kept, $"original kept over {granted} resample(s) at temperature {temperature:0.##}; risks {risks}");
            return (response, verdict);
        }
        Done(call, verdict, action, ActionOutcome.Outcomes.Replaced, $"resample {chosen} of {granted} at temperature {temperature:0.##}; risks {risks}");
        var kept = verdicts[chosen];
        if (kept.Decision.Block is { } block) Block(call, kept, block);
        return (responses[chosen], kept with { Turn = verdict.Turn });
    }

    private async Task VerifyAsync(MonitoredCall call, TurnVerdict verdict, VerifyAction action, ChatResponse response, CancellationToken cancellationToken)
    {
        var failClosed = verdict.Decision.Mode == FailureMode.FailClosed;
        var verifier = _registry.FindVerifier(action.Verifier);
        string? problem = null;
        if (verifier is null) problem = $"no verifier named {action.Verifier} is registered";
        else if (!call.Budget.TakeVerification())
        {
            Done(call, verdict, action, ActionOutcome.Outcomes.BudgetExhausted, action.Verifier);
            if (failClosed) Block(call, verdict, new BlockAction(null, false));
            return;
        }

        VerificationResult? result = null;
        if (verifier is not null)
        {
            try
            {
                var transcript = verdict.Scores?.Transcript ?? Transcript.Empty;
                result = await verifier.VerifyAsync(new VerificationRequest(action.Verifier, transcript, response.Text, verdict), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                problem = $"{action.Verifier}: {e.GetType().Name}: {e.Message}";
            }
        }
        if (result is null)
        {
            call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "failed";
            Done(call, verdict, action, ActionOutcome.Outcomes.Failed, problem + (failClosed ? " (fail-closed: blocked)" : " (fail-open: allowed)"));
            if (failClosed) Block(call, verdict, new BlockAction(null, false));
            return;
        }
        if (result.Approved)
        {
            call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "approved";
            Done(call, verdict, action, ActionOutcome.Outcomes.Approved, $"{action.Verifier}: {result.Reason}");
            return;
        }
        call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "rejected: " + result.Reason;
        Done(call, verdict, action, ActionOutcome.Outcomes.Rejected, $"{action.Verifier}: {result.Reason}");
        if (action.OnReject == VerifierRejection.Block) Block(call, verdict, new BlockAction(null, false));
    }

    private void Done(MonitoredCall call, TurnVerdict verdict, PolicyAction action, string outcome, string? detail = null)
    {
        call.Outcomes.Add(new ActionOutcome(verdict.Stage, action.Kind, outcome, detail));
        EnactionTelemetry.Actions.Add(1, new KeyValuePair<string, object?>("enaction.action", ActionOutcome.NameOf(action.Kind)),
            new KeyValuePair<string, object?>("enaction.action.outcome", outcome));
        MonitorEvents.ActionExecuted(_logger, ActionOutcome.NameOf(action.Kind), ConversationMonitor.StageName(verdict.Stage),
            verdict.Turn, verdict.ConversationId, outcome, detail);
    }

    private static string Kinds(IReadOnlyList<Finding> findings) =>
        findings.Count == 0 ? "no findings" : string.Join(", ", findings.Select(f => f.Kind).Distinct());
}
