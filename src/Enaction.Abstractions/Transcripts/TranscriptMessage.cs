namespace Enaction.Transcripts;

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who the transcript says wrote it.</param>
/// <param name="Content">The exact text; character offsets in scores and findings index into it.</param>
/// <param name="Name">Optional author or tool name (a function name for tool results).</param>
public sealed record TranscriptMessage(MessageRole Role, string Content, string? Name = null)
{
    /// <summary>A system message.</summary>
    public static TranscriptMessage System(string content) => new(MessageRole.System, content);
    /// <summary>A user message.</summary>
    public static TranscriptMessage User(string content) => new(MessageRole.User, content);
    /// <summary>An assistant message.</summary>
    public static TranscriptMessage Assistant(string content) => new(MessageRole.Assistant, content);
    /// <summary>A tool result.</summary>
    public static TranscriptMessage Tool(string content, string? name = null) => new(MessageRole.Tool, content, name);
}
