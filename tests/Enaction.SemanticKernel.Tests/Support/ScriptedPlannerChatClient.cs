using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>
/// The tiny model cannot emit tool calls, so this planner issues the scripted calls (one per round trip, while any
/// are left and the last message is not yet the final tool result) and lets the inner model write the final text.
/// </summary>
public sealed class ScriptedPlannerChatClient(IChatClient inner, params (string Function, Dictionary<string, object?> Arguments)[] calls) : DelegatingChatClient(inner)
{
    private int _issued;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_issued < calls.Length)
        {
            var (function, arguments) = calls[_issued];
            var id = "call_" + _issued++;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, function, arguments)])) { ModelId = "planner" };
        }
        return await base.GetResponseAsync(messages, options, cancellationToken);
    }
}
