using Enaction.Extensions.AI;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests;

/// <summary>Conversations the tests send.</summary>
internal static class Conversations
{
    public static List<ChatMessage> Question(string id = "") =>
    [
        new(ChatRole.System, "You are a helpful assistant." + id),
        new(ChatRole.User, "Tell me about the river town."),
    ];

    public static ChatOptions Options(string conversationId, int maxTokens = 12) => new()
    {
        MaxOutputTokens = maxTokens,
        Seed = 3,
        AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = conversationId },
    };
}
