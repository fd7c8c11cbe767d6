using Enaction.Extensions.AI;
using System.Runtime.CompilerServices;
using Enaction.Actions;
using Enaction.Monitoring;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Enaction.SemanticKernel;

/// <summary>
/// Decorates an <see cref="IChatCompletionService"/> (direct chat-service calls, as agents make them) with the
/// monitor. With a connector that runs its own tool loop (OpenAI with <c>FunctionChoiceBehavior.Auto()</c>) only the
/// final answer passes here; prefer the chat-client pipeline (<see cref="MonitoringChatClient"/>) to see every round trip.
/// </summary>
public sealed class MonitoringChatCompletionService : IChatCompletionService
{
    private readonly IChatCompletionService _inner;
    private readonly IChatCompletionService _monitored;

    /// <summary>Monitors <paramref name="inner"/>.</summary>
    public MonitoringChatCompletionService(IChatCompletionService inner, ConversationMonitor monitor, ActionExecutor? actions = null,
        MonitoringChatClientOptions? options = null, IServiceProvider? services = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _monitored = new MonitoringChatClient(inner.AsChatClient(), monitor, actions, options).AsChatCompletionService(services);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?> Attributes => _inner.Attributes;

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null,
        Kernel? kernel = null, CancellationToken cancellationToken = default) =>
        _monitored.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in _monitored.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken).ConfigureAwait(false))
            yield return update;
    }
}
