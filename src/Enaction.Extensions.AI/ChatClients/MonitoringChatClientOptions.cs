using Enaction.Monitoring;
using Microsoft.Extensions.AI;

namespace Enaction.Extensions.AI;

/// <summary>Options of <see cref="MonitoringChatClient"/>. Defaults work.</summary>
public sealed class MonitoringChatClientOptions
{
    /// <summary><c>ChatOptions.AdditionalProperties</c> key a caller can set to name the conversation.</summary>
    public const string ConversationIdKey = ConversationIds.ConversationIdKey;

    /// <summary><c>ChatOptions.AdditionalProperties</c> key a caller can set to name the agent.</summary>
    public const string AgentKey = ConversationIds.AgentKey;

    /// <summary>The agent name when neither the options nor <see cref="EnactionScope"/> give one.</summary>
    public string? Agent { get; set; }

    /// <summary>
    /// Picks the conversation id. Default: <see cref="ConversationIdKey"/> in the chat options, then
    /// <c>ChatOptions.ConversationId</c>, then <see cref="EnactionScope.ConversationId"/>, then a hash of the first
    /// system and user messages (stable across the turns of one conversation; a derived id is not attested unless
    /// <see cref="ConversationMonitorOptions.AttestDerivedConversationIds"/> says so). An id this selector returns is
    /// treated as named by the host.
    /// </summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, string>? ConversationIdSelector { get; set; }
}
