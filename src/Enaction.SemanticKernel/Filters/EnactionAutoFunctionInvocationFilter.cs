using Enaction.Extensions.AI;
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
    private readonly IConversationMonitor _monitor;
    private readonly ActionExecutor _actions;

    /// <summary>Judges with <paramref name="monitor"/>.</summary>
    public EnactionAutoFunctionInvocationFilter(IConversationMonitor monitor, ActionExecutor? actions = null)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        _actions = actions ?? new ActionExecutor(logger: (monitor as ConversationMonitor)?.Logger);
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
        // The same resolution as the chat-client middleware, so both see one conversation.
        var conversation = ConversationIds.Resolve(history, options: null);
        var agent = context.Kernel.Data.TryGetValue(EnactionFunctionInvocationFilter.AgentKey, out var a) && a is string s ? s : ConversationIds.ResolveAgent(null);

        await using var exchange = await _monitor.BeginAsync(new ExchangeRequest(conversation, transcript) { Agent = agent, Function = function },
            context.CancellationToken).ConfigureAwait(false);
        await _actions.ApplyToRequestAsync(exchange, [], context.CancellationToken).ConfigureAwait(false);
        await exchange.CompleteAsync(transcript, [], context.CancellationToken).ConfigureAwait(false);

        var call = exchange.Call;
        if (call.IsBlocked)
        {
            if (call.Block!.Throw) throw new EnactionBlockedException(exchange.RequestVerdict);
            context.Result = new FunctionResult(context.Function, call.Block.Replacement ?? BlockAction.DefaultReplacement);
            context.Terminate = true;
        }
    }
}
