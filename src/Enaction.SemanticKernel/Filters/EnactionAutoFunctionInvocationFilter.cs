using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.SemanticKernel;

namespace Enaction.SemanticKernel;

/// <summary>
/// Judges each tool result of an auto function-calling loop the moment it returns: the result enters the
/// conversation as a tool message (external input) and runs through the monitor at the request stage, so a tool
/// that echoes the model's own words back is caught even when a connector runs the loop internally and the chat
/// client never sees the intermediate round trips. A block replaces the result with the block text and ends the loop.
/// </summary>
public sealed class EnactionAutoFunctionInvocationFilter : IAutoFunctionInvocationFilter
{
    private readonly ConversationMonitor _monitor;
    private readonly ActionExecutor _actions;

    /// <summary>Judges with <paramref name="monitor"/>.</summary>
    public EnactionAutoFunctionInvocationFilter(ConversationMonitor monitor, ActionExecutor? actions = null)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        _actions = actions ?? new ActionExecutor(monitor);
    }

    /// <inheritdoc/>
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var function = EnactionFunctionInvocationFilter.QualifiedName(context.Function);
        using (EnactionScope.Begin(function: function))
            await next(context).ConfigureAwait(false);

        var history = SkTranscripts.ToTranscript(context.ChatHistory);
        var result = SkTranscripts.ResultText(context.Result);
        var transcript = history.Append(TranscriptMessage.Tool(result, function));
        var conversationId = EnactionScope.ConversationId
            ?? ConversationIds.FromOpening(history.Messages.Select(m => (m.Role == MessageRole.System, m.Role == MessageRole.User, m.Content)));
        var agent = context.Kernel.Data.TryGetValue(EnactionFunctionInvocationFilter.AgentKey, out var a) ? a as string : EnactionScope.Agent;

        var call = new MonitoredCall(conversationId, _monitor.Policy.Policy.Budgets) { Agent = agent, Function = function };
        var verdict = await _monitor.MonitorAsync(new MonitoredTurn(conversationId, transcript, PolicyStage.Request)
        {
            Agent = agent,
            Function = function,
        }, context.CancellationToken).ConfigureAwait(false);
        await _actions.ApplyToRequestAsync(call, verdict, [], context.CancellationToken).ConfigureAwait(false);
        await _monitor.CompleteAsync(new TurnCompletion(conversationId, transcript, call.Verdicts, call.Outcomes), context.CancellationToken).ConfigureAwait(false);

        if (call.IsBlocked)
        {
            if (call.Block!.Throw) throw new EnactionBlockedException(verdict);
            context.Result = new FunctionResult(context.Function, call.Block.Replacement ?? BlockAction.DefaultReplacement);
            context.Terminate = true;
        }
    }
}
