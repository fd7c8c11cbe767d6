using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>Passes calls through and keeps the messages each call sent, to see what reached the model.</summary>
public sealed class RecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add([.. messages]);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add([.. messages]);
        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }
}
