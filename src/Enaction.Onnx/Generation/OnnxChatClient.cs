using System.Runtime.CompilerServices;
using Enaction.Onnx.Models;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using GeneratorWeights = Enaction.Scoring.GeneratorWeights;

namespace Enaction.Onnx.Generation;

/// <summary>
/// A <c>Microsoft.Extensions.AI</c> chat client over a local ONNX model: the generator for examples, tests and
/// on-policy baselines. Reads <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>,
/// <see cref="ChatOptions.Seed"/>, <see cref="ChatOptions.MaxOutputTokens"/> and <see cref="ChatOptions.StopSequences"/>.
/// A conversation ending in an assistant message is continued (prefill): the response carries only the continuation,
/// and says so under <see cref="GeneratorMetadata.ContinuedPrefill"/> (the prefill's length in characters) in the
/// response's and the message's <c>AdditionalProperties</c> (streaming: the last update's), so the monitor judges the
/// continued message with its real model-authored boundary.
/// </summary>
public sealed class OnnxChatClient : IChatClient
{
    private readonly LocalGenerator _generator;
    private readonly ChatClientMetadata _metadata;
    private readonly GenerationOptions _defaults;

    /// <summary>
    /// Creates a client over <paramref name="model"/>; <paramref name="defaults"/> apply where options are silent.
    /// <paramref name="engine"/> runs the decoder (the model's own ONNX Runtime session when null); the prompt,
    /// tokens and sampler are the model's either way. <paramref name="modelId"/> is the id responses and metadata
    /// report (the model's <see cref="CausalLanguageModel.Id"/> when null).
    /// </summary>
    public OnnxChatClient(CausalLanguageModel model, GenerationOptions? defaults = null, IDecodingEngine? engine = null, string? modelId = null)
    {
        _generator = new LocalGenerator(model, engine);
        _defaults = defaults ?? GenerationOptions.ForModel(model.Directory);
        _modelId = modelId ?? model.Id;
        _metadata = new ChatClientMetadata(_generator.Engine.Name, new Uri("file://" + model.Directory.Path), _modelId);
        _weights = new Lazy<GeneratorWeights>(() => new GeneratorWeights(_modelId, CausalLanguageModel.Sha256(model.Directory.OnnxPath)));
    }

    // Hashed on first request only: a monitor asks once, when it wraps this client, to bind the generator to its weights.
    private readonly Lazy<GeneratorWeights> _weights;

    private readonly string _modelId;

    /// <summary>The model.</summary>
    public CausalLanguageModel Model => _generator.Model;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = Prompt(messages, options);
        var result = await _generator.GenerateAsync(prompt, Options(options), cancellationToken).ConfigureAwait(false);
        var message = new ChatMessage(ChatRole.Assistant, result.Text) { AdditionalProperties = Continued(prompt) };
        return new ChatResponse(message)
        {
            AdditionalProperties = Continued(prompt),
            ModelId = _modelId,
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
        var prompt = Prompt(messages, options);
        await foreach (var token in _generator.StreamAsync(prompt, Options(options), cancellationToken).ConfigureAwait(false))
        {
            if (token.Text.Length == 0) continue;
            yield return new ChatResponseUpdate(ChatRole.Assistant, token.Text) { ModelId = _modelId, ResponseId = id, MessageId = id };
        }
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop, ModelId = _modelId, ResponseId = id, MessageId = id,
            AdditionalProperties = Continued(prompt),
        };
    }

    /// <summary>The <see cref="GeneratorMetadata.ContinuedPrefill"/> report when the prompt ends with an assistant message (a prefill); null otherwise.</summary>
    private static AdditionalPropertiesDictionary? Continued(Transcript prompt) =>
        prompt.Count > 0 && prompt[^1].Role == MessageRole.Assistant && prompt[^1].Content.Length > 0
            ? new AdditionalPropertiesDictionary { [GeneratorMetadata.ContinuedPrefill] = prompt[^1].Content.Length }
            : null;

    // Instructions (ChatOptions.Instructions) are the system turn, as the monitor scores them.
    private static Transcript Prompt(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        ChatMessageConversion.ToTranscript(ChatMessageConversion.InstructionsAsSystemMessage(messages, options).Messages, options);

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
        : serviceType == typeof(GeneratorWeights) ? _weights.Value
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(Model) ? Model
        : null;

    /// <inheritdoc />
    public void Dispose() { }
}
