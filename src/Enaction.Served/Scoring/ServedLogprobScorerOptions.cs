using Enaction.Scoring;

namespace Enaction.Served.Scoring;

/// <summary>Options of <see cref="ServedLogprobScorer"/>: where the engine is, which model it serves, and that model's tokenizer files.</summary>
public sealed class ServedLogprobScorerOptions
{
    /// <summary>The configuration section <c>AddServedLogprobScorer(configuration)</c> reads by convention (<c>Enaction:Served</c>).</summary>
    public const string SectionName = "Enaction:Served";

    /// <summary>The base URL of the OpenAI-compatible API, with its <c>/v1</c> (for example <c>http://vllm:8000/v1</c>); the scorer posts to <c>{Endpoint}/completions</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The served model name (vLLM's <c>--served-model-name</c>, else the model path it was started with): the request's <c>model</c> and the scorer's <see cref="IConversationScorer.ModelId"/>.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// A folder with the served model's tokenizer files (<c>tokenizer.json</c> and <c>tokenizer_config.json</c> with its
    /// <c>chat_template</c>, as in the Hugging Face repository vLLM loads): the transcript is rendered and tokenised here,
    /// so message content is plain text and token offsets point into the messages.
    /// </summary>
    public string? TokenizerDirectory { get; set; }

    /// <summary>A native template style to force (chatml, llama3, phi3, gemma, llama2) instead of the folder's <c>chat_template</c>; null uses the folder's.</summary>
    public string? ChatTemplate { get; set; }

    /// <summary>Top log-probabilities asked per prompt token (vLLM's <c>prompt_logprobs</c>; at most the server's <c>--max-logprobs</c>, 20 by default). 1 to 100; default 20.</summary>
    public int TopLogprobs { get; set; } = TopLogprobEntropy.MaxOpenAITopLogprobs;

    /// <summary>The model's vocabulary size (the logits' width) for the entropy's upper bound; null takes the larger of the tokenizer's size and <c>config.json</c>'s <c>vocab_size</c> in <see cref="TokenizerDirectory"/>.</summary>
    public int? VocabularySize { get; set; }

    /// <summary>How long one scoring request may take before it is cancelled (default 30 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Sent as a bearer token when set (vLLM's <c>--api-key</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Other generator ids that name the same served weights (an OpenAI-compatible gateway's deployment name, say); see <see cref="IConversationScorer.ServedModelIds"/>.</summary>
    public IList<string> ServedModelIds { get; set; } = [];

    /// <summary>The clock the timeout runs on (tests use a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks every setting; the message names the bad one and what is accepted.</summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range.</exception>
    public void Validate(string prefix = "")
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{prefix}Endpoint is {(Endpoint is null ? "not set" : $"\"{Endpoint}\"")}; expected the http(s) base URL of a vLLM OpenAI-compatible server, for example http://vllm:8000/v1.");
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException($"{prefix}Model is not set; expected the served model name (vLLM's --served-model-name), for example meta-llama/Llama-3.1-8B-Instruct.");
        if (string.IsNullOrWhiteSpace(TokenizerDirectory) || !Directory.Exists(TokenizerDirectory))
            throw new ArgumentException($"{prefix}TokenizerDirectory {(string.IsNullOrWhiteSpace(TokenizerDirectory) ? "is not set" : $"\"{TokenizerDirectory}\" does not exist")}; expected a folder with the served model's tokenizer.json and tokenizer_config.json.");
        if (TopLogprobs is < 1 or > 100)
            throw new ArgumentException($"{prefix}TopLogprobs is {TopLogprobs}; expected 1 to 100 (and no more than the server's --max-logprobs, 20 by default).");
        if (VocabularySize is < 1)
            throw new ArgumentException($"{prefix}VocabularySize is {VocabularySize}; expected the model's vocabulary size (a positive number), or leave it unset.");
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException($"{prefix}Timeout is {Timeout}; expected a positive time span, for example 00:00:30.");
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
