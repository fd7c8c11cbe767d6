using Enaction.Extensions.AI;
using System.Text;
using System.Text.Json;
using Enaction.Transcripts;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel;

/// <summary>Semantic Kernel chat history to Enaction transcripts, rendering calls and results as <see cref="ChatMessageConversion"/> does.</summary>
public static class SkTranscripts
{
    /// <summary>Converts a chat history.</summary>
    public static Transcript ToTranscript(IEnumerable<ChatMessageContent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return new Transcript(history.Select(ToMessage));
    }

    /// <summary>Converts one message.</summary>
    public static TranscriptMessage ToMessage(ChatMessageContent message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message.Role == AuthorRole.System || message.Role == AuthorRole.Developer ? MessageRole.System
            : message.Role == AuthorRole.Assistant ? MessageRole.Assistant
            : message.Role == AuthorRole.Tool ? MessageRole.Tool
            : MessageRole.User;
        var text = new StringBuilder();
        foreach (var item in message.Items)
        {
            switch (item)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case FunctionCallContent call:
                    if (text.Length > 0) text.Append('\n');
                    text.Append(ChatMessageConversion.CallText(call.FunctionName, call.Arguments));
                    break;
                case FunctionResultContent result:
                    if (text.Length > 0) text.Append('\n');
                    text.Append(ResultText(result.Result));
                    break;
            }
        }
        // An assistant message names the model that generated it, so it is scored as that generator's (or a surrogate's).
        return new TranscriptMessage(role, text.ToString(), message.AuthorName)
        {
            Model = role == MessageRole.Assistant && !string.IsNullOrWhiteSpace(message.ModelId) ? message.ModelId : null,
        };
    }

    /// <summary>A function result as text.</summary>
    public static string ResultText(object? result) => result is FunctionResult f
        ? f.GetValue<object>() is { } v ? ResultText(v) : ""
        : ChatMessageConversion.ResultText(result);
}
