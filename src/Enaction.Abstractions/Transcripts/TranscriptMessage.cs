namespace Enaction.Transcripts;

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who the transcript says wrote it.</param>
/// <param name="Content">The exact text; character offsets in scores and findings index into it.</param>
/// <param name="Name">Optional author or tool name (a function name for tool results).</param>
public sealed record TranscriptMessage(MessageRole Role, string Content, string? Name = null)
{
    /// <summary>
    /// The function calls of an assistant message, for chat templates that render tool calls; null when it makes
    /// none. <see cref="Content"/> still carries each call written out (<see cref="ToolCall.Text"/>, after the text,
    /// one per line), which is what templates without tools render.
    /// </summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>
    /// The identifier of the model that generated this message (an assistant message's generator, as the provider
    /// reports it: <c>gpt-4o-mini</c>, <c>tiny-chat</c>); null when unknown. Scoring compares it with the scorer's model
    /// to decide whose distribution a turn's numbers describe (<see cref="Enaction.Scoring.ScoringSource"/>).
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// The text of the message without the written-out calls of <see cref="ToolCalls"/> at its end: what a template
    /// that renders tool calls itself shows as the message's content.
    /// </summary>
    public string TextWithoutToolCalls
    {
        get
        {
            if (ToolCalls is not { Count: > 0 }) return Content;
            var end = Content.Length;
            for (var i = ToolCalls.Count - 1; i >= 0; i--)
            {
                // A call without arguments is written "call name()" (ChatMessageConversion.CallText), with them "call name({...})".
                var call = ToolCalls[i].Text;
                if (!EndsWith(end, call) && !(ToolCalls[i].ArgumentsJson == "{}" && EndsWith(end, call = "call " + ToolCalls[i].Name + "()"))) return Content;
                end -= call.Length;
                if (end > 0 && Content[end - 1] == '\n') end--;
            }
            return Content[..end];
        }
    }

    private bool EndsWith(int end, string text) =>
        end >= text.Length && string.CompareOrdinal(Content, end - text.Length, text, 0, text.Length) == 0;

    /// <summary>A system message.</summary>
    public static TranscriptMessage System(string content) => new(MessageRole.System, content);
    /// <summary>A user message.</summary>
    public static TranscriptMessage User(string content) => new(MessageRole.User, content);
    /// <summary>An assistant message.</summary>
    public static TranscriptMessage Assistant(string content) => new(MessageRole.Assistant, content);
    /// <summary>A tool result.</summary>
    public static TranscriptMessage Tool(string content, string? name = null) => new(MessageRole.Tool, content, name);
}
