using Enaction.Scoring;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Enaction.Extensions.AI;

/// <summary>
/// Asks an OpenAI-compatible generator for the log-probabilities of its answer and reads them back, through the
/// OpenAI .NET SDK's types that both Microsoft.Extensions.AI's OpenAI client and Semantic Kernel's OpenAI connector use.
/// </summary>
/// <remarks>
/// Asking: <see cref="ChatOptions.RawRepresentationFactory"/> yields the SDK's <see cref="ChatCompletionOptions"/> with
/// <c>IncludeLogProbabilities</c> and <c>TopLogProbabilityCount</c> (Microsoft.Extensions.AI.OpenAI's documented hook),
/// and <see cref="ChatOptions.AdditionalProperties"/> carries <c>logprobs</c> and <c>top_logprobs</c> (Semantic
/// Kernel's <c>AsChatClient()</c> passes them on as execution settings, which its OpenAI connector reads). Reading: the
/// SDK's <see cref="ChatCompletion"/> (or streaming updates) in <c>RawRepresentation</c>, or a
/// <c>ContentTokenLogProbabilities</c> list in the additional properties (Semantic Kernel's metadata key).
/// </remarks>
public static class OpenAILogprobs
{
    /// <summary>The metadata key under which Semantic Kernel's OpenAI connector puts the answer's token log-probabilities.</summary>
    public const string MetadataKey = "ContentTokenLogProbabilities";

    /// <summary>A copy of <paramref name="options"/> that asks for the answer's log-probabilities with the top <paramref name="topLogprobs"/> (1 to 20) alternatives.</summary>
    public static ChatOptions Request(ChatOptions? options, int topLogprobs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topLogprobs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topLogprobs, TopLogprobEntropy.MaxOpenAITopLogprobs);
        var copy = options?.Clone() ?? new ChatOptions();
        copy.AdditionalProperties = copy.AdditionalProperties is null ? [] : new AdditionalPropertiesDictionary(copy.AdditionalProperties);
        copy.AdditionalProperties["logprobs"] = true;
        copy.AdditionalProperties["top_logprobs"] = topLogprobs;
        var host = copy.RawRepresentationFactory;
        copy.RawRepresentationFactory = client =>
        {
            // The host's own raw options stay; only an OpenAI one (or none) gets the two settings.
            var raw = host?.Invoke(client) ?? new ChatCompletionOptions();
            if (raw is ChatCompletionOptions openAI)
            {
                openAI.IncludeLogProbabilities = true;
                openAI.TopLogProbabilityCount = topLogprobs;
            }
            return raw;
        };
        return copy;
    }

    /// <summary>
    /// The answer's tokens with their log-probabilities, and the index in <see cref="ChatResponse.Messages"/> of the
    /// message they belong to (the last one with text); null when the response carries none.
    /// </summary>
    public static (int Message, IReadOnlyList<TokenLogprob> Tokens)? Read(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var details = response.RawRepresentation is ChatCompletion { ContentTokenLogProbabilities.Count: > 0 } completion
            ? completion.ContentTokenLogProbabilities
            : FromProperties(response.AdditionalProperties) ?? (response.Messages.Count > 0 ? FromProperties(response.Messages[^1].AdditionalProperties) : null);
        return details is null ? null : Attach(response, details);
    }

    /// <summary>As <see cref="Read(ChatResponse)"/> for a streamed answer: the tokens of every update, in order.</summary>
    public static (int Message, IReadOnlyList<TokenLogprob> Tokens)? Read(IReadOnlyList<ChatResponseUpdate> updates, ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(response);
        var details = new List<ChatTokenLogProbabilityDetails>();
        foreach (var update in updates)
        {
            if (update.RawRepresentation is StreamingChatCompletionUpdate { ContentTokenLogProbabilities.Count: > 0 } chunk) details.AddRange(chunk.ContentTokenLogProbabilities);
            else if (FromProperties(update.AdditionalProperties) is { } listed) details.AddRange(listed);
        }
        return details.Count == 0 ? null : Attach(response, details);
    }

    /// <summary>One SDK token entry as the monitor reads it.</summary>
    public static TokenLogprob ToTokenLogprob(ChatTokenLogProbabilityDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var top = new TokenLogprob[details.TopLogProbabilities.Count];
        for (var i = 0; i < top.Length; i++)
        {
            var t = details.TopLogProbabilities[i];
            top[i] = new TokenLogprob(t.Token, t.LogProbability, t.Utf8Bytes?.ToArray());
        }
        return new TokenLogprob(details.Token, details.LogProbability, details.Utf8Bytes?.ToArray()) { TopLogprobs = top };
    }

    private static IReadOnlyList<ChatTokenLogProbabilityDetails>? FromProperties(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(MetadataKey, out var value) == true && value is IReadOnlyList<ChatTokenLogProbabilityDetails> { Count: > 0 } list ? list : null;

    private static (int, IReadOnlyList<TokenLogprob>)? Attach(ChatResponse response, IReadOnlyList<ChatTokenLogProbabilityDetails> details)
    {
        var message = -1;
        for (var i = response.Messages.Count - 1; i >= 0 && message < 0; i--)
            if (!string.IsNullOrEmpty(response.Messages[i].Text)) message = i;
        if (message < 0) return null;
        var tokens = new TokenLogprob[details.Count];
        for (var i = 0; i < tokens.Length; i++) tokens[i] = ToTokenLogprob(details[i]);
        return (message, tokens);
    }
}
