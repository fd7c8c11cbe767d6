using System.Security.Cryptography;
using System.Text;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel;

/// <summary>How a call is tied to a conversation when the host does not say.</summary>
public static class ConversationIds
{
    /// <summary>The default selection (see <see cref="MonitoringChatClientOptions.ConversationIdSelector"/>).</summary>
    public static string Resolve(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.AdditionalProperties?.TryGetValue(MonitoringChatClientOptions.ConversationIdKey, out var value) == true && value is string { Length: > 0 } id)
            return id;
        if (!string.IsNullOrEmpty(options?.ConversationId)) return options.ConversationId;
        if (EnactionScope.ConversationId is { Length: > 0 } scoped) return scoped;
        return FromOpening(messages.Select(m => (m.Role == ChatRole.System, m.Role == ChatRole.User, ChatMessageConversion.TextOf(m))));
    }

    /// <summary>A stable id from the conversation's opening: every system message before the first user message, and that user message.</summary>
    public static string FromOpening(IEnumerable<(bool IsSystem, bool IsUser, string Text)> messages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (isSystem, isUser, text) in messages)
        {
            if (!isSystem && !isUser) continue;
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData([0]);
            if (isUser) break;
        }
        return "conv-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
