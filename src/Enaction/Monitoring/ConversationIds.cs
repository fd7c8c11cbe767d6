using System.Security.Cryptography;
using System.Text;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Monitoring;

/// <summary>
/// How every integration (the chat-client middleware, the Semantic Kernel filters) ties a call to a conversation and
/// an agent: one resolution, so the same call gets the same id whichever adapter sees it.
/// </summary>
public static class ConversationIds
{
    /// <summary><c>ChatOptions.AdditionalProperties</c> key a caller can set to name the conversation.</summary>
    public const string ConversationIdKey = "enaction.conversation_id";

    /// <summary><c>ChatOptions.AdditionalProperties</c> key a caller can set to name the agent.</summary>
    public const string AgentKey = "enaction.agent";

    /// <summary>
    /// The conversation of a call: <see cref="ConversationIdKey"/> in the chat options, then
    /// <c>ChatOptions.ConversationId</c>, then <see cref="EnactionScope.ConversationId"/>; with none of them, an id
    /// derived from the opening messages (<see cref="ConversationIdentity.IsDerived"/>), which two users who open
    /// with the same words share.
    /// </summary>
    public static ConversationIdentity Resolve(Transcript transcript, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (options?.AdditionalProperties?.TryGetValue(ConversationIdKey, out var value) == true && value is string { Length: > 0 } id)
            return new ConversationIdentity(id, IsDerived: false);
        if (!string.IsNullOrEmpty(options?.ConversationId)) return new ConversationIdentity(options.ConversationId, IsDerived: false);
        if (EnactionScope.ConversationId is { Length: > 0 } scoped) return new ConversationIdentity(scoped, IsDerived: false);
        return new ConversationIdentity(FromOpening(transcript), IsDerived: true);
    }

    /// <summary>The agent of a call: <see cref="AgentKey"/> in the chat options, then <see cref="EnactionScope.Agent"/>, then <paramref name="fallback"/>.</summary>
    public static string? ResolveAgent(ChatOptions? options, string? fallback = null) =>
        options?.AdditionalProperties?.TryGetValue(AgentKey, out var a) == true && a is string { Length: > 0 } s
            ? s
            : EnactionScope.Agent ?? fallback;

    /// <summary>A stable id from the conversation's opening: every system message before the first user message, and that user message.</summary>
    public static string FromOpening(Transcript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var message in transcript.Messages)
        {
            if (message.Role is not (MessageRole.System or MessageRole.User)) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(message.Content));
            hash.AppendData([0]);
            if (message.Role == MessageRole.User) break;
        }
        return "conv-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
