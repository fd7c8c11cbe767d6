using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Generation;

/// <summary>
/// Samples responses from a local ONNX causal LM with a KV cache reused across steps: the prompt runs once in
/// chunks, then each step feeds one token. A transcript that ends with an assistant message is a prefill: the
/// model continues that message. Thread-safe: each call has its own cache.
/// </summary>
public sealed class LocalGenerator
{
    private readonly CausalLanguageModel _model;
    private readonly IDecodingEngine _engine;

    /// <summary>Generates with <paramref name="model"/> on its own ONNX Runtime session.</summary>
    public LocalGenerator(CausalLanguageModel model) : this(model, null) { }

    /// <summary>
    /// Generates with <paramref name="model"/>'s template, tokenizer and sampler, running the decoder on
    /// <paramref name="engine"/> (the model's own session when null). The engine must run the same weights.
    /// </summary>
    public LocalGenerator(CausalLanguageModel model, IDecodingEngine? engine)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _engine = engine ?? new OrtDecodingEngine(model);
    }

    /// <summary>The model.</summary>
    public CausalLanguageModel Model => _model;

    /// <summary>The engine that runs the decoder.</summary>
    public IDecodingEngine Engine => _engine;

    /// <summary>Generates a whole response.</summary>
    public async Task<GenerationResult> GenerateAsync(Transcript transcript, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var tokens = ImmutableArray.CreateBuilder<GeneratedToken>();
        var text = new System.Text.StringBuilder();
        var stop = GenerationStop.MaxTokens;
        var prompt = 0;
        await foreach (var step in StreamCoreAsync(transcript, options ?? new(), (p, s) => { prompt = p; stop = s; }, cancellationToken).ConfigureAwait(false))
        {
            if (step.TokenId >= 0) tokens.Add(step);
            text.Append(step.Text);
        }
        return new GenerationResult(text.ToString(), tokens.ToImmutable(), stop, prompt);
    }

    /// <summary>Streams the response token by token.</summary>
    public IAsyncEnumerable<GeneratedToken> StreamAsync(Transcript transcript, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamCoreAsync(transcript, options ?? new(), null, cancellationToken);

    private async IAsyncEnumerable<GeneratedToken> StreamCoreAsync(Transcript transcript, GenerationOptions options,
        Action<int, GenerationStop>? finished, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        options.Validate();
        if (!_model.Signature.HasCache)
            throw new NotSupportedException($"{_model.Directory.OnnxPath}: generation needs a decoder with past key/values; this export has none");
        var prefill = transcript.Count > 0 && transcript[^1].Role == MessageRole.Assistant;
        var encoded = _model.Encoder.Encode(transcript, addGenerationPrompt: !prefill, continueFinalMessage: prefill);
        var vocab = _model.VocabSize;
        var stops = new HashSet<int>(_model.Tokenizer.StopTokenIds);
        foreach (var id in _model.Directory.Config.EosTokenIds) stops.Add(id);
        foreach (var id in options.StopTokenIds) stops.Add(id);
        var random = options.Seed is { } seed ? new Random(seed) : new Random();

        var logits = new float[vocab];
        var scratch = new float[2 * vocab];
        var probabilities = new float[vocab];
        var order = new int[vocab];

        if (encoded.Count >= _model.ContextLength)
        {
            finished?.Invoke(encoded.Count, GenerationStop.ContextFull);
            yield break;
        }

        await Task.Yield();
        using var sequence = _engine.Start(encoded.Ids.AsSpan(), logits, cancellationToken);

        var generated = new List<int>();
        var emitted = 0; // characters of the decoded text already streamed
        // Text that could be the start of a stop sequence is held back until it cannot be.
        var holdBack = 0;
        foreach (var s in options.StopSequences) holdBack = Math.Max(holdBack, s.Length - 1);
        var stop = GenerationStop.MaxTokens;
        var stopped = false;
        for (var step = 0; step < options.MaxTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = TokenSampler.Sample(logits, options.Temperature, options.TopP, random, probabilities, order);
            var stats = LogitStatistics.Compute(logits, token, scratch);
            if (stops.Contains(token)) { stop = GenerationStop.EndOfSequence; break; }

            generated.Add(token);
            var text = _model.Tokenizer.Decode(generated.ToArray());
            var cut = -1;
            foreach (var s in options.StopSequences)
            {
                if (s.Length == 0) continue;
                var at = text.IndexOf(s, Math.Min(emitted, text.Length), StringComparison.Ordinal);
                if (at >= 0 && (cut < 0 || at < cut)) cut = at;
            }
            if (cut >= 0)
            {
                yield return new GeneratedToken(token, cut > emitted ? text[emitted..cut] : "", stats.Entropy, stats.Surprisal);
                stop = GenerationStop.EndOfSequence;
                stopped = true;
                break;
            }
            // Hold back an incomplete UTF-8 sequence (decoded as U+FFFD) until the next token completes it.
            var safe = text.Length - holdBack;
            while (safe > emitted && text[safe - 1] == '\uFFFD') safe--;
            var piece = safe > emitted ? text[emitted..safe] : "";
            emitted += piece.Length;
            yield return new GeneratedToken(token, piece, stats.Entropy, stats.Surprisal);

            if (encoded.Count + generated.Count >= _model.ContextLength) { stop = GenerationStop.ContextFull; break; }
            if (step + 1 == options.MaxTokens) break;
            sequence.Append(token, logits, cancellationToken);
        }
        if (!stopped && generated.Count > 0)
        {
            // Flush what was held back; TokenId -1 marks text with no token of its own.
            var text = _model.Tokenizer.Decode(generated.ToArray());
            if (text.Length > emitted) yield return new GeneratedToken(-1, text[emitted..], float.NaN, float.NaN);
        }
        finished?.Invoke(encoded.Count, stop);
    }
}
