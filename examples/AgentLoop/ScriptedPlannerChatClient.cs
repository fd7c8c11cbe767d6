using Microsoft.Extensions.AI;

namespace AgentLoop;

/// <summary>
/// SCRIPTED, NOT A MODEL. The bundled tiny model cannot emit tool calls, so this client plays the planner: while
/// the current scene has scripted function calls left it answers each round trip with the next call; once they are
/// used up it passes the conversation to the bundled model, which writes the final text. It sits under the monitor,
/// so the monitor sees and scores the scripted calls as generated turns too. With a real tool-calling model you
/// delete this class and nothing else changes.
/// </summary>
public sealed class ScriptedPlannerChatClient(IChatClient model) : DelegatingChatClient(model)
{
    private readonly Queue<FunctionCallContent> _calls = new();
    private int _next;

    /// <summary>Calls issued so far in this scene, for the demo output.</summary>
    public List<string> Issued { get; } = [];

    /// <summary>Scripts the function calls for the next scene.</summary>
    public void Plan(params (string Function, Dictionary<string, object?> Arguments)[] calls)
    {
        _calls.Clear();
        Issued.Clear();
        foreach (var (function, arguments) in calls) _calls.Enqueue(new FunctionCallContent($"call_{++_next}", function, arguments));
    }

    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_calls.TryDequeue(out var call))
        {
            Issued.Add($"{call.Name}({string.Join(", ", call.Arguments!.Select(a => $"{a.Key}: {a.Value}"))})");
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])) { ModelId = "scripted-planner" });
        }
        return base.GetResponseAsync(messages, options, cancellationToken);
    }
}
