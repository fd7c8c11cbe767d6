using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Enaction.Onnx.Models;
using Enaction.Onnx.Templates;
using Enaction.Onnx.Tokenization;
using Enaction.Scoring;
using Enaction.Served.Vllm;
using Enaction.Transcripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Enaction.Served.Scoring;

/// <summary>
/// <see cref="IConversationScorer"/> on a vLLM server that serves the generator's weights (<see cref="ScoringSource.ServedLogprobs"/>):
/// the transcript is rendered with the model's chat template and tokenised here (message content stays plain text, so
/// smuggled control-token text is never read as a turn marker), the token ids go to the server's completions endpoint
/// with <c>prompt_logprobs</c>, and each token gets its exact surprisal and rank and an entropy bounded from the
/// top-k (<see cref="TopLogprobEntropy"/>; the bounds are <see cref="ScoredTranscript.EntropyBounds"/>). Thread-safe.
/// </summary>
/// <remarks>
/// A server computes prompt log-probabilities for the whole prompt on every request, so a session re-sends the whole
/// transcript each call (it reuses only the local rendering and tokenising, and answers an unchanged transcript from
/// its last result). Transcripts longer than the server's <c>--max-model-len</c> are refused by the server (a scoring
/// failure), not windowed.
/// </remarks>
public sealed partial class ServedLogprobScorer : IConversationScorer
{
    private readonly ServedLogprobScorerOptions _options;
    private readonly VllmPromptLogprobs _client;
    private readonly ILogger _logger;
    private readonly string?[] _tokenTexts;
    private readonly string[] _servedIds;

    /// <summary>Scores through <paramref name="http"/> against the server in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range (the message names it).</exception>
    /// <exception cref="ModelLoadException">The tokenizer folder cannot be used (the message names the file).</exception>
    public ServedLogprobScorer(HttpClient http, ServedLogprobScorerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        var tokenizer = TextTokenizer.Load(options.TokenizerDirectory!);
        Encoder = new TranscriptEncoder(tokenizer, ChatTemplate.Load(options.TokenizerDirectory!, options.ChatTemplate));
        VocabularySize = options.VocabularySize ?? Math.Max(tokenizer.VocabularySize, DeclaredVocabulary(options.TokenizerDirectory!));
        _tokenTexts = new string?[tokenizer.VocabularySize];
        _servedIds = [.. options.ServedModelIds];
        _client = new VllmPromptLogprobs(http, options.Endpoint!, options.Model!, options.TopLogprobs, options.ApiKey);
    }

    /// <inheritdoc />
    public string ModelId => _options.Model!;

    /// <inheritdoc />
    public ScoringSource Source => ScoringSource.ServedLogprobs;

    /// <inheritdoc />
    public IReadOnlyList<string> ServedModelIds => _servedIds;

    /// <summary>Renders and tokenises transcripts as the served model was trained.</summary>
    public TranscriptEncoder Encoder { get; }

    /// <summary>The vocabulary size the entropy's upper bound assumes.</summary>
    public int VocabularySize { get; }

    /// <summary>The URL scoring requests go to.</summary>
    public Uri RequestUrl => _client.Url;

    /// <inheritdoc />
    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        using var session = OpenSession();
        return await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IScoringSession OpenSession() => new ServedLogprobSession(this);

    /// <summary>Scores an encoded transcript with one request, cancelled at the caller's token or the timeout.</summary>
    internal async Task<ScoredTranscript> ScoreAsync(EncodedTranscript encoded, Transcript transcript, CancellationToken cancellationToken)
    {
        var ids = encoded.Ids;
        if (ids.Length == 0) throw new ArgumentException("the transcript renders to no tokens", nameof(transcript));
        var started = Stopwatch.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.Timeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        VllmPromptLogprobs.Position[] positions;
        try
        {
            positions = ids.Length == 1 ? [] : await _client.GetAsync(ids, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The deadline, or HttpClient's own timeout: either way the server did not answer in time.
            throw new ServedScoringException($"served-logprobs: {_client.Url} did not answer within {_options.Timeout.TotalSeconds:0.###} s (Timeout)", e);
        }
        catch (HttpRequestException e)
        {
            throw new ServedScoringException($"served-logprobs: {_client.Url} could not be reached: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        LogScored(_logger, ids.Length, _client.Url, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var tokens = new TokenScore[ids.Length];
        var bounds = new EntropyInterval[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var message = encoded.Message[i];
            float entropy = float.NaN, surprisal = float.NaN, variance = float.NaN;
            var rank = 0;
            bounds[i] = new EntropyInterval(float.NaN, float.NaN);
            if (i > 0)
            {
                var p = positions[i - 1];
                var s = TopLogprobEntropy.Compute(p.Logprobs, p.ObservedIndex, p.ObservedLogprob, VocabularySize, p.ObservedRank);
                (entropy, surprisal, rank, variance) = ((float)s.Entropy, (float)s.Surprisal, s.Rank, (float)s.LogProbVariance);
                bounds[i] = new EntropyInterval((float)s.EntropyLower, (float)s.EntropyUpper);
            }
            tokens[i] = new TokenScore(ids[i], TokenText(ids[i]), message, message >= 0 ? transcript[message].Role : null,
                encoded.Start[i], encoded.End[i], entropy, surprisal, rank, variance, Truncated: false);
        }
        return new ScoredTranscript(ModelId, transcript, ImmutableCollectionsMarshal.AsImmutableArray(tokens))
        {
            EntropyBounds = ImmutableCollectionsMarshal.AsImmutableArray(bounds),
        };
    }

    private string TokenText(int id) =>
        (uint)id < (uint)_tokenTexts.Length ? _tokenTexts[id] ??= Encoder.Tokenizer.TokenText(id) : Encoder.Tokenizer.TokenText(id);

    private static int DeclaredVocabulary(string directory)
    {
        var config = Path.Combine(directory, "config.json");
        return File.Exists(config) ? ModelConfig.ReadHuggingFace(config).VocabSize ?? 0 : 0;
    }

    /// <summary>Nothing to release: the HTTP client belongs to the caller (or the host's factory).</summary>
    public void Dispose() { }

    [LoggerMessage(EventId = 1101, EventName = "ServedLogprobsScored", Level = LogLevel.Debug,
        Message = "Scored {Tokens} tokens on {Url} in {ElapsedMs} ms")]
    private static partial void LogScored(ILogger logger, int tokens, Uri url, double elapsedMs);
}
