using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>
/// A generator that answers with fixed texts in turn (the last one repeats), for tests that need a known response
/// (an evaluation-aware sentence, a clean one). The monitor still scores it with the real model.
/// </summary>
public sealed class CannedChatClient(params string[] answers) : IChatClient
{
    private int _next;

    public int Calls => _next;

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public List<ChatOptions?> Options { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add([.. messages]);
        Options.Add(options);
        var text = answers[Math.Min(Interlocked.Increment(ref _next) - 1, answers.Length - 1)];
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = "canned" });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var word in response.Text.Split(' '))
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = "canned", MessageId = "m1", ResponseId = "r1" };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("canned", null, "canned") : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
