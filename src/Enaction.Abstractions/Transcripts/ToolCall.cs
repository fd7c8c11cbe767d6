namespace Enaction.Transcripts;

/// <summary>
/// A function call an assistant message makes, as chat templates with tools render it
/// (<c>{"type": "function", "function": {"name": ..., "arguments": {...}}}</c>).
/// </summary>
/// <param name="Name">The function's name.</param>
/// <param name="ArgumentsJson">The arguments as a JSON object (its text, key order kept).</param>
/// <param name="Id">The call id, when the caller has one.</param>
public sealed record ToolCall(string Name, string ArgumentsJson, string? Id = null)
{
    /// <summary>
    /// How the call reads in a message's content: <c>call name({"arg":value})</c>, the one format every integration
    /// writes calls in (<see cref="ChatMessageConversion.CallText"/>), so templates without tools see the same text.
    /// </summary>
    public string Text => "call " + Name + "(" + ArgumentsJson + ")";
}
