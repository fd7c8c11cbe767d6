using System.Runtime.CompilerServices;
using Enaction.Onnx.Models;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Onnx.Generation;

/// <summary>
/// A <c>Microsoft.Extensions.AI</c> chat client over a local ONNX model: the generator for examples, tests and
/// on-policy baselines. Reads <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>,
/// <see cref="ChatOptions.Seed"/>, <see cref="ChatOptions.MaxOutputTokens"/> and <see cref="ChatOptions.StopSequences"/>.
/// A conversation ending in an assistant message is continued (prefill).
/// </summary>
public sealed class OnnxChatClient : IChatClient
{
    private readonly LocalGenerator _generator;
    private readonly ChatClientMetadata _metadata;
    private readonly GenerationOptions _defaults;

    /// <summary>Creates a client over <paramref name="model"/>; <paramref name="defaults"/> apply where options are silent.</summary>
    public OnnxChatClient(CausalLanguageModel model, GenerationOptions? defaults = null)
    {
        _generator = new LocalGenerator(model);
        _defaults = defaults ?? GenerationOptions.ForModel(model.Directory);
        _metadata = new ChatClientMetadata("enaction-onnx", new Uri("file://" + model.Directory.Path), model.Id);
    }

    /// <summary>The model.</summary>
    public CausalLanguageModel Model => _generator.Model;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await _generator.GenerateAsync(ChatMessageConversion.ToTranscript(messages, options), Options(options), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = Model.Id,
            FinishReason = result.Stop == GenerationStop.EndOfSequence ? ChatFinishReason.Stop : ChatFinishReason.Length,
            Usage = new UsageDetails
            {
                InputTokenCount = result.PromptTokens,
                OutputTokenCount = result.Tokens.Length,
                TotalTokenCount = result.PromptTokens + result.Tokens.Length,
            },
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("N");
        await foreach (var token in _generator.StreamAsync(ChatMessageConversion.ToTranscript(messages, options), Options(options), cancellationToken).ConfigureAwait(false))
        {
            if (token.Text.Length == 0) continue;
            yield return new ChatResponseUpdate(ChatRole.Assistant, token.Text) { ModelId = Model.Id, ResponseId = id, MessageId = id };
        }
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop, ModelId = Model.Id, ResponseId = id, MessageId = id };
    }

    private GenerationOptions Options(ChatOptions? options) => options is null ? _defaults : _defaults with
    {
        Temperature = options.Temperature ?? _defaults.Temperature,
        TopP = options.TopP ?? _defaults.TopP,
        Seed = options.Seed is { } seed ? unchecked((int)seed) : _defaults.Seed,
        MaxTokens = options.MaxOutputTokens ?? _defaults.MaxTokens,
        StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : _defaults.StopSequences,
    };

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(Model) ? Model
        : null;

    /// <inheritdoc />
    public void Dispose() { }
}
