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
    private readonly ActionHandlerRegistry _handlers;
    private readonly ILogger _logger;

    /// <summary>Executes with the host's verifiers and escalations, logging outcomes to <paramref name="logger"/>.</summary>
    public ActionExecutor(VerifierRegistry? registry = null, ILogger? logger = null)
        : this(registry, null, logger)
    {
    }

    /// <summary>
    /// Executes with the host's verifiers, escalations and action handlers (<paramref name="handlers"/>: the built-in
    /// ones when null), logging outcomes to <paramref name="logger"/>.
    /// </summary>
    public ActionExecutor(VerifierRegistry? registry, ActionHandlerRegistry? handlers, ILogger? logger = null)
    {
        _registry = registry ?? new VerifierRegistry();
        _handlers = handlers ?? ActionHandlerRegistry.BuiltIn;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>The host's verifiers and escalation callbacks.</summary>
    public VerifierRegistry Registry => _registry;

    /// <summary>The action handlers by name.</summary>
    public ActionHandlerRegistry Handlers => _handlers;

    internal ILogger Logger => _logger;

    /// <summary>
    /// Applies the request-stage decision: <c>strip</c> returns the request without untrusted assistant turns and
    /// without the turn markers smuggled into other messages;
    /// <c>block</c> marks the call blocked (the model is then not called); resample and verify do not apply.
    /// Each action runs through the handler registered under its name.
    /// </summary>
    public async Task<IReadOnlyList<ChatMessage>> ApplyToRequestAsync(IMonitoredExchange exchange,
        IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(messages);
        var verdict = exchange.RequestVerdict;
        exchange.Call.Verdicts.Add(verdict);
        var transcript = verdict.Scores?.Transcript ?? ChatMessageConversion.ToTranscript(messages);
        var result = messages;
        foreach (var action in verdict.Decision.Actions)
        {
            var context = new ActionContext(this, exchange, action, verdict, result, null, transcript);
            await RunAsync(context, cancellationToken).ConfigureAwait(false);
            result = context.Request;
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
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var call = exchange.Call;
        foreach (var action in verdict.Decision.Actions)
        {
            var context = new ActionContext(this, exchange, action, verdict, request, response, verdict.Scores?.Transcript ?? Transcript.Empty)
            {
                Resample = resample,
                BaseTemperature = baseTemperature,
            };
            await RunAsync(context, cancellationToken).ConfigureAwait(false);
            response = context.Response ?? response;
            verdict = context.Verdict;
        }
        call.Verdicts.Add(verdict);
        return (response, verdict);
    }

    private async Task RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var handler = _handlers.Find(context.Action.Name);
        if (handler is null)
        {
            // A policy loaded against another registry; the loader rejects unknown names, so this is a host's wiring slip.
            Done(context.Call, context.Verdict, context.Action, ActionOutcome.Outcomes.Failed, $"no action handler named {context.Action.Name} is registered");
            return;
        }
        var before = context.Call.Outcomes.Count;
        try
        {
            await handler.ExecuteAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (handler.GetType().Assembly != typeof(ActionExecutor).Assembly &&
            (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // A host's handler must not take the call down; a built-in one's exceptions (a blocked call's) propagate.
            Done(context.Call, context.Verdict, context.Action, ActionOutcome.Outcomes.Failed, $"{handler.Name}: {e.GetType().Name}: {e.Message}");
            return;
        }
        var silent = context.Call.Outcomes.Count == before;
        // Resample and verify skip a blocked call without a word, as they always have; any other action says what it did.
        if (silent && !(context.Call.IsBlocked && context.Action is ResampleAction or VerifyAction))
            Done(context.Call, context.Verdict, context.Action, ActionOutcome.Outcomes.NotApplicable, "the handler reported no outcome");
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

    internal void Block(MonitoredCall call, TurnVerdict verdict, BlockAction block)
    {
        if (call.Block is null || (block.Throw && !call.Block.Throw))
        {
            call.Block = block;
            call.BlockedBy = verdict;
        }
        Done(call, verdict, block, block.Throw ? ActionOutcome.Outcomes.Raised : ActionOutcome.Outcomes.Blocked,
            verdict.ScoringFailed ? "scoring failed (fail-closed)" : Kinds(verdict.Findings));
    }

    internal void Done(MonitoredCall call, TurnVerdict verdict, PolicyAction action, string outcome, string? detail = null)
    {
        call.Outcomes.Add(new ActionOutcome(verdict.Stage, action.Name, outcome, detail));
        EnactionTelemetry.Actions.Add(1, new KeyValuePair<string, object?>("enaction.action", action.Name),
            new KeyValuePair<string, object?>("enaction.action.outcome", outcome));
        MonitorEvents.ActionExecuted(_logger, action.Name, ConversationMonitor.StageName(verdict.Stage),
            verdict.Turn, verdict.ConversationId, outcome, detail);
    }

    internal static string Kinds(IReadOnlyList<Finding> findings) =>
        findings.Count == 0 ? "no findings" : string.Join(", ", findings.Select(f => f.Kind).Distinct());
}
