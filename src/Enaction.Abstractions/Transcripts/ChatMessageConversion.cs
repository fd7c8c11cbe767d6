using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Enaction.Transcripts;

/// <summary>
/// Converts <c>Microsoft.Extensions.AI</c> chat messages into transcripts: the text each message puts in front of
/// the model, function calls and results included, so that tool output is scored as the external input it is.
/// </summary>
public static class ChatMessageConversion
{
    /// <summary>The transcript a model sees for <paramref name="messages"/>.</summary>
    public static Transcript ToTranscript(IEnumerable<AiChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return new Transcript(messages.Select(ToMessage));
    }

    /// <summary>
    /// Moves <see cref="ChatOptions.Instructions"/> into the conversation as a leading system message and returns
    /// options without them. Microsoft Agent Framework's <c>ChatClientAgent</c> passes its instructions that way, not
    /// as a message; a monitor that only read the messages would score a conversation without the system turn the
    /// model reads. Returns the inputs unchanged when there are no instructions.
    /// </summary>
    public static (IReadOnlyList<AiChatMessage> Messages, ChatOptions? Options) InstructionsAsSystemMessage(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<AiChatMessage> ?? [.. messages];
        if (string.IsNullOrEmpty(options?.Instructions)) return (list, options);
        var rest = options.Clone();
        rest.Instructions = null;
        return ([new AiChatMessage(ChatRole.System, options.Instructions), .. list], rest);
    }

    /// <summary>
    /// The transcript a model sees for <paramref name="messages"/> with the functions <paramref name="options"/>
    /// offers (<c>ChatOptions.Tools</c>; Semantic Kernel's function choice arrives there too), for chat templates that
    /// render tool definitions.
    /// </summary>
    public static Transcript ToTranscript(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        var transcript = ToTranscript(messages);
        var tools = ToolsOf(options);
        return tools.Count == 0 ? transcript : new Transcript(transcript.Messages) { Tools = tools };
    }

    /// <summary>The function declarations among <paramref name="options"/>' tools.</summary>
    public static IReadOnlyList<ToolDefinition> ToolsOf(ChatOptions? options)
    {
        var tools = new List<ToolDefinition>();
        if (options?.Tools is null) return tools;
        foreach (var tool in options.Tools)
            if (tool is AIFunctionDeclaration f) tools.Add(new ToolDefinition(f.Name, string.IsNullOrEmpty(f.Description) ? null : f.Description, f.JsonSchema.GetRawText()));
        return tools;
    }

    /// <summary>One message as the model sees it.</summary>
    public static TranscriptMessage ToMessage(AiChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message.Role == ChatRole.System ? MessageRole.System
            : message.Role == ChatRole.Assistant ? MessageRole.Assistant
            : message.Role == ChatRole.Tool ? MessageRole.Tool
            : MessageRole.User;
        List<ToolCall>? calls = null;
        foreach (var content in message.Contents)
            if (content is FunctionCallContent call) (calls ??= []).Add(new ToolCall(call.Name, ArgumentsJson(call.Arguments), call.CallId));
        return new TranscriptMessage(role, TextOf(message), message.AuthorName ?? FunctionName(message)) { ToolCalls = calls };
    }

    /// <summary>The text of a message: its text parts, then function calls and results written out.</summary>
    public static string TextOf(AiChatMessage message)
    {
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case FunctionCallContent call:
                    if (text.Length > 0) text.Append('\n');
                    text.Append(CallText(call.Name, call.Arguments));
                    break;
                case FunctionResultContent result:
                    if (text.Length > 0) text.Append('\n');
                    text.Append(ResultText(result.Result));
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// How a function call reads in a transcript: <c>call name({"arg":value})</c>. Every integration (M.E.AI,
    /// Semantic Kernel) renders calls through this one format so the scorer sees the same text either way.
    /// </summary>
    public static string CallText(string name, IEnumerable<KeyValuePair<string, object?>>? arguments) =>
        "call " + name + "(" + (arguments is null ? "" : ArgumentsJson(arguments)) + ")";

    /// <summary>A call's arguments as the JSON object <see cref="CallText"/> writes (<c>{}</c> for none).</summary>
    public static string ArgumentsJson(IEnumerable<KeyValuePair<string, object?>>? arguments) =>
        arguments is null ? "{}" : JsonSerializer.Serialize(arguments.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>How a function result reads in a transcript: strings as they are, JSON as JSON, anything else serialised.</summary>
    public static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText(),
        var other => JsonSerializer.Serialize(other),
    };

    private static string? FunctionName(AiChatMessage message) =>
        message.Contents.OfType<FunctionResultContent>().Select(r => r.CallId).FirstOrDefault();
}
