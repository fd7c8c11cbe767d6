namespace Enaction.Monitoring;

/// <summary>
/// Ambient facts about the current call that the chat client cannot see in its messages: the conversation id, the
/// agent and the kernel function. Flows with the async context; set by the host or by the kernel filters.
/// </summary>
public static class EnactionScope
{
    private static readonly AsyncLocal<Frame?> CurrentFrame = new();

    /// <summary>The conversation id in scope, if any.</summary>
    public static string? ConversationId => CurrentFrame.Value?.ConversationId;

    /// <summary>The agent in scope, if any.</summary>
    public static string? Agent => CurrentFrame.Value?.Agent;

    /// <summary>The kernel function in scope, if any.</summary>
    public static string? Function => CurrentFrame.Value?.Function;

    /// <summary>Sets the conversation and agent until the returned scope is disposed; unset values inherit the outer scope.</summary>
    public static IDisposable Begin(string? conversationId = null, string? agent = null, string? function = null)
    {
        var outer = CurrentFrame.Value;
        CurrentFrame.Value = new Frame(conversationId ?? outer?.ConversationId, agent ?? outer?.Agent, function ?? outer?.Function);
        return new Restore(outer);
    }

    private sealed record Frame(string? ConversationId, string? Agent, string? Function);

    private sealed class Restore(Frame? outer) : IDisposable
    {
        public void Dispose() => CurrentFrame.Value = outer;
    }
}
