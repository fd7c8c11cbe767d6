using System.Runtime.CompilerServices;
using Enaction.Actions;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.SemanticKernel;

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
    private readonly ConversationMonitor _monitor;
    private readonly ActionExecutor _actions;
    private readonly MonitoringChatClientOptions _options;
    private readonly string? _model;

    /// <summary>Monitors <paramref name="innerClient"/>.</summary>
    public MonitoringChatClient(IChatClient innerClient, ConversationMonitor monitor, ActionExecutor? actions = null, MonitoringChatClientOptions? options = null)
        : base(innerClient)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        _actions = actions ?? new ActionExecutor(monitor);
        _options = options ?? new MonitoringChatClientOptions();
        _model = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    /// <summary>The monitor.</summary>
    public ConversationMonitor Monitor => _monitor;

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var (call, requestTranscript) = Begin(request, options, streaming: false);
        var send = await JudgeRequestAsync(call, requestTranscript, request, cancellationToken).ConfigureAwait(false);
        if (call.IsBlocked)
        {
            var blocked = ActionExecutor.BlockedResponse(call);
            await CompleteAsync(call, requestTranscript, blocked, request.Count, cancellationToken).ConfigureAwait(false);
            return blocked;
        }

        var response = await base.GetResponseAsync(send, options, cancellationToken).ConfigureAwait(false);
        call.Model = response.ModelId ?? call.Model;
        var verdict = await JudgeResponseAsync(call, send, requestTranscript.Tools, response, cancellationToken).ConfigureAwait(false);
        (response, _) = await _actions.ApplyToResponseAsync(call, verdict, send, response,
            (temperature, ct) => base.GetResponseAsync(send, WithTemperature(options, temperature), ct),
            options?.Temperature ?? 1f, cancellationToken).ConfigureAwait(false);

        if (call.IsBlocked) response = ActionExecutor.BlockedResponse(call);
        else Annotate(call, response);
        await CompleteAsync(call, requestTranscript, response, request.Count, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var (call, requestTranscript) = Begin(request, options, streaming: true);
        var send = await JudgeRequestAsync(call, requestTranscript, request, cancellationToken).ConfigureAwait(false);
        if (call.IsBlocked)
        {
            var blocked = ActionExecutor.BlockedResponse(call);
            await CompleteAsync(call, requestTranscript, blocked, request.Count, cancellationToken).ConfigureAwait(false);
            foreach (var update in blocked.ToChatResponseUpdates()) yield return update;
            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(send, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }
        var response = updates.ToChatResponse();
        call.Model = response.ModelId ?? call.Model;
        var verdict = await JudgeResponseAsync(call, send, requestTranscript.Tools, response, cancellationToken).ConfigureAwait(false);
        (response, _) = await _actions.ApplyToResponseAsync(call, verdict, send, response, null, options?.Temperature ?? 1f, cancellationToken).ConfigureAwait(false);

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
        await CompleteAsync(call, requestTranscript, response, request.Count, cancellationToken).ConfigureAwait(false);
    }

    private (MonitoredCall Call, Transcript Request) Begin(IReadOnlyList<ChatMessage> request, ChatOptions? options, bool streaming)
    {
        var id = _options.ConversationIdSelector?.Invoke(request, options) ?? ConversationIds.Resolve(request, options);
        var agent = options?.AdditionalProperties?.TryGetValue(MonitoringChatClientOptions.AgentKey, out var a) == true && a is string s
            ? s : EnactionScope.Agent ?? _options.Agent;
        var call = new MonitoredCall(id, _monitor.Policy.Policy.Budgets)
        {
            Agent = agent,
            Function = EnactionScope.Function,
            Model = options?.ModelId ?? _model,
            Streaming = streaming,
        };
        // With the offered tools: templates that render tool definitions are scored with them, as the model saw them.
        return (call, ChatMessageConversion.ToTranscript(request, options));
    }

    private async Task<IReadOnlyList<ChatMessage>> JudgeRequestAsync(MonitoredCall call, Transcript transcript, IReadOnlyList<ChatMessage> request, CancellationToken cancellationToken)
    {
        var verdict = await _monitor.MonitorAsync(new MonitoredTurn(call.ConversationId, transcript, PolicyStage.Request)
        {
            Agent = call.Agent,
            Function = call.Function,
            Model = call.Model,
        }, cancellationToken).ConfigureAwait(false);
        return await _actions.ApplyToRequestAsync(call, verdict, request, cancellationToken).ConfigureAwait(false);
    }

    private Task<TurnVerdict> JudgeResponseAsync(MonitoredCall call, IReadOnlyList<ChatMessage> sent, IReadOnlyList<ToolDefinition>? tools,
        ChatResponse response, CancellationToken cancellationToken)
    {
        var sentTranscript = ChatMessageConversion.ToTranscript(sent);
        var transcript = new Transcript(sentTranscript.Messages.AddRange(response.Messages.Select(ChatMessageConversion.ToMessage))) { Tools = tools };
        return _monitor.MonitorAsync(new MonitoredTurn(call.ConversationId, transcript, PolicyStage.Response)
        {
            Agent = call.Agent,
            Function = call.Function,
            Model = call.Model,
            Generated = Enumerable.Range(sentTranscript.Count, response.Messages.Count).ToArray(),
        }, cancellationToken);
    }

    private async Task CompleteAsync(MonitoredCall call, Transcript request, ChatResponse returned, int requestCount, CancellationToken cancellationToken)
    {
        var transcript = new Transcript(request.Messages.AddRange(returned.Messages.Select(ChatMessageConversion.ToMessage)));
        await _monitor.CompleteAsync(new TurnCompletion(call.ConversationId, transcript, call.Verdicts, call.Outcomes)
        {
            Generated = call.IsBlocked ? [] : Enumerable.Range(requestCount, returned.Messages.Count).ToArray(),
            Model = call.Model,
        }, cancellationToken).ConfigureAwait(false);
        if (call.Block is { Throw: true } && call.BlockedBy is { } verdict) throw new EnactionBlockedException(verdict);
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
