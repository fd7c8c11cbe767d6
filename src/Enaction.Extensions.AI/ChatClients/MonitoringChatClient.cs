using System.Runtime.CompilerServices;
using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Scoring;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Extensions.AI;

/// <summary>
/// Chat-client middleware that monitors every model round trip: the request is judged before the call (strip,
/// block), the response after it (resample, verify, block), and annotate/escalate/log run at either stage. Place it
/// inside the function-invocation layer so each round trip of a tool loop passes through it:
/// <c>inner.AsBuilder().UseKernelFunctionInvocation().UseEnactionMonitor().Build(services)</c>.
/// Streaming passes chunks through as they come; the response is judged at the end and the verdict arrives as a
/// final update (and <see cref="EnactionBlockedException"/> when the policy says to throw).
/// </summary>
public sealed class MonitoringChatClient : DelegatingChatClient
{
    private readonly IConversationMonitor _monitor;
    private readonly ActionExecutor _actions;
    private readonly MonitoringChatClientOptions _options;
    private readonly string? _model;

    /// <summary>Monitors <paramref name="innerClient"/>.</summary>
    public MonitoringChatClient(IChatClient innerClient, IConversationMonitor monitor, ActionExecutor? actions = null, MonitoringChatClientOptions? options = null)
        : base(innerClient)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        _actions = actions ?? new ActionExecutor(logger: (monitor as ConversationMonitor)?.Logger);
        _options = options ?? new MonitoringChatClientOptions();
        _model = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
        // A local generator says which weights it runs: its messages are then scored same-model when the scorer runs them too.
        if (monitor is ConversationMonitor bound && innerClient.GetService<GeneratorWeights>() is { } weights)
            bound.BindGenerator(weights.ModelId, weights.Sha256);
    }

    /// <summary>The monitor.</summary>
    public IConversationMonitor Monitor => _monitor;

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        (var request, options) = ChatMessageConversion.InstructionsAsSystemMessage(messages, options);
        // With the offered tools: templates that render tool definitions are scored with them, as the model saw them.
        var requestTranscript = ChatMessageConversion.ToTranscript(request, options);
        await using var exchange = await BeginAsync(requestTranscript, request, options, streaming: false, cancellationToken).ConfigureAwait(false);
        var call = exchange.Call;
        var send = await _actions.ApplyToRequestAsync(exchange, request, cancellationToken).ConfigureAwait(false);
        if (call.IsBlocked)
        {
            var blocked = ActionExecutor.BlockedResponse(call);
            await CompleteAsync(exchange, requestTranscript, blocked, cancellationToken).ConfigureAwait(false);
            return blocked;
        }

        var response = await base.GetResponseAsync(send, AskForLogprobs(call, options), cancellationToken).ConfigureAwait(false);
        call.Model = response.ModelId ?? call.Model;
        var verdict = await JudgeResponseAsync(exchange, send, requestTranscript.Tools, response, OpenAILogprobs.Read(response), cancellationToken).ConfigureAwait(false);
        (response, _) = await _actions.ApplyToResponseAsync(exchange, verdict, send, response,
            (temperature, ct) => base.GetResponseAsync(send, WithTemperature(options, temperature), ct),
            options?.Temperature ?? 1f, cancellationToken).ConfigureAwait(false);

        if (call.IsBlocked) response = ActionExecutor.BlockedResponse(call);
        else Annotate(call, response);
        await CompleteAsync(exchange, requestTranscript, response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (var request, options) = ChatMessageConversion.InstructionsAsSystemMessage(messages, options);
        // With the offered tools: templates that render tool definitions are scored with them, as the model saw them.
        var requestTranscript = ChatMessageConversion.ToTranscript(request, options);
        await using var exchange = await BeginAsync(requestTranscript, request, options, streaming: true, cancellationToken).ConfigureAwait(false);
        var call = exchange.Call;
        var send = await _actions.ApplyToRequestAsync(exchange, request, cancellationToken).ConfigureAwait(false);
        if (call.IsBlocked)
        {
            var blocked = ActionExecutor.BlockedResponse(call);
            await CompleteAsync(exchange, requestTranscript, blocked, cancellationToken).ConfigureAwait(false);
            foreach (var update in blocked.ToChatResponseUpdates()) yield return update;
            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(send, AskForLogprobs(call, options), cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }
        var response = updates.ToChatResponse();
        call.Model = response.ModelId ?? call.Model;
        var verdict = await JudgeResponseAsync(exchange, send, requestTranscript.Tools, response, OpenAILogprobs.Read(updates, response), cancellationToken).ConfigureAwait(false);
        (response, _) = await _actions.ApplyToResponseAsync(exchange, verdict, send, response, null, options?.Temperature ?? 1f, cancellationToken).ConfigureAwait(false);

        // The text has already reached the caller: the verdict travels in a last, text-free update. A blocked
        // response is not attested, so if the host keeps it, the next request sees it as unattested.
        var last = response.Messages.LastOrDefault();
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = response.ResponseId,
            MessageId = last?.MessageId,
            ModelId = response.ModelId,
            AdditionalProperties = ActionExecutor.Annotate(call, null),
        };
        await CompleteAsync(exchange, requestTranscript, response, cancellationToken).ConfigureAwait(false);
    }

    private Task<IMonitoredExchange> BeginAsync(Transcript transcript, IReadOnlyList<ChatMessage> request, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        var conversation = _options.ConversationIdSelector?.Invoke(request, options) is { Length: > 0 } chosen
            ? new ConversationIdentity(chosen, IsDerived: false)
            : ConversationIds.Resolve(transcript, options);
        return _monitor.BeginAsync(new ExchangeRequest(conversation, transcript)
        {
            Agent = ConversationIds.ResolveAgent(options, _options.Agent),
            Function = EnactionScope.Function,
            Model = options?.ModelId ?? _model,
            Streaming = streaming,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
        }, cancellationToken);
    }

    /// <summary>The options to call the generator with: asking for its log-probabilities when the monitor wants them for this generator.</summary>
    private ChatOptions? AskForLogprobs(MonitoredCall call, ChatOptions? options)
    {
        var top = _monitor.TopLogprobsToRequest(options?.ModelId ?? call.Model ?? _model);
        return top > 0 ? OpenAILogprobs.Request(options, top) : options;
    }

    private static Task<TurnVerdict> JudgeResponseAsync(IMonitoredExchange exchange, IReadOnlyList<ChatMessage> sent, IReadOnlyList<ToolDefinition>? tools,
        ChatResponse response, (int Message, IReadOnlyList<Enaction.Scoring.TokenLogprob> Tokens)? logprobs, CancellationToken cancellationToken)
    {
        var sentTranscript = ChatMessageConversion.ToTranscript(sent);
        exchange.Call.GeneratorLogprobs.Clear();
        if (logprobs is { } answer) exchange.Call.GeneratorLogprobs[sentTranscript.Count + answer.Message] = answer.Tokens;
        var returned = response.Messages.Select(m => Generated(m, response.ModelId)).ToList();
        if (ContinuedPrefill(sentTranscript, response, returned) is { } prefill)
        {
            // The generator continued the request's last assistant message: judge that message as the model read and
            // wrote it, one turn whose own text starts at the prefill's end (broken-intention reads the boundary).
            var merged = sentTranscript.Messages.SetItem(sentTranscript.Count - 1,
                TranscriptMessage.Assistant(sentTranscript[^1].Content + returned[0].Content) with { ToolCalls = returned[0].ToolCalls });
            var continued = new Transcript(merged.AddRange(returned.Skip(1))) { Tools = tools };
            var at = sentTranscript.Count - 1;
            return exchange.JudgeResponseAsync(continued, Enumerable.Range(at, returned.Count).ToArray(),
                new Dictionary<int, int> { [at] = prefill }, cancellationToken);
        }
        var transcript = new Transcript(sentTranscript.Messages.AddRange(returned)) { Tools = tools };
        return exchange.JudgeResponseAsync(transcript, Enumerable.Range(sentTranscript.Count, response.Messages.Count).ToArray(), cancellationToken);
    }

    /// <summary>
    /// The prefill's length when the generator reported continuing the request's last message
    /// (<see cref="GeneratorMetadata.ContinuedPrefill"/> on the response or its first message) and the report matches
    /// that message; null otherwise, and the response is judged as whole turns of the model's own.
    /// </summary>
    private static int? ContinuedPrefill(Transcript sent, ChatResponse response, List<TranscriptMessage> returned)
    {
        if (sent.Count == 0 || sent[^1].Role != MessageRole.Assistant || returned.Count == 0 || returned[0].Role != MessageRole.Assistant) return null;
        var reported = GeneratorMetadata.ContinuedPrefillLength(response.Messages[0].AdditionalProperties)
            ?? GeneratorMetadata.ContinuedPrefillLength(response.AdditionalProperties);
        return reported == sent[^1].Content.Length ? reported : null;
    }

    private static async Task CompleteAsync(IMonitoredExchange exchange, Transcript request, ChatResponse returned, CancellationToken cancellationToken)
    {
        var call = exchange.Call;
        var transcript = new Transcript(request.Messages.AddRange(returned.Messages.Select(m => Generated(m, returned.ModelId))));
        await exchange.CompleteAsync(transcript,
            call.IsBlocked ? [] : Enumerable.Range(request.Count, returned.Messages.Count).ToArray(), cancellationToken).ConfigureAwait(false);
        if (call.Block is { Throw: true } && call.BlockedBy is { } verdict) throw new EnactionBlockedException(verdict);
    }

    /// <summary>A response message, carrying the model that generated it (an assistant message's generator).</summary>
    private static TranscriptMessage Generated(ChatMessage message, string? model)
    {
        var converted = ChatMessageConversion.ToMessage(message);
        return converted.Role == MessageRole.Assistant && !string.IsNullOrWhiteSpace(model) ? converted with { Model = model } : converted;
    }

    private static void Annotate(MonitoredCall call, ChatResponse response)
    {
        response.AdditionalProperties = ActionExecutor.Annotate(call, response.AdditionalProperties);
        // Semantic Kernel copies the message's properties, not the response's, into ChatMessageContent.Metadata.
        if (response.Messages.Count > 0)
        {
            var last = response.Messages[^1];
            last.AdditionalProperties = ActionExecutor.Annotate(call, last.AdditionalProperties);
        }
    }

    private static ChatOptions WithTemperature(ChatOptions? options, float temperature)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.Temperature = temperature;
        // A fixed seed would draw the same sample again.
        copy.Seed = null;
        return copy;
    }
}
