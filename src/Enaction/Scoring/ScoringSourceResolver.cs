using System.Collections.Concurrent;
using System.Collections.Immutable;
using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// Decides whose distribution scores each assistant message. The generator is the message's own
/// <see cref="TranscriptMessage.Model"/>, else the call's model, else <see cref="ScoringSourceOptions.DefaultGenerator"/>,
/// else the scorer's own model (the behaviour before sources existed). The source is what the scorer says for that
/// generator (<see cref="IConversationScorer.ServedModelIds"/>, as <see cref="IConversationScorer.Source"/>), else same-model when the generator is the scorer's model by id, by
/// a configured alias, or by weights (a bound or configured SHA-256 equal to the scorer's), else surrogate. Thread-safe.
/// </summary>
public sealed class ScoringSourceResolver
{
    private readonly IConversationScorer _scorer;
    private readonly HashSet<string> _sameModelIds;
    private readonly ConcurrentDictionary<string, string> _weights;
    private readonly ConcurrentDictionary<string, ScoringSource> _resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Resolves for <paramref name="scorer"/> with <paramref name="options"/> (validated here).</summary>
    public ScoringSourceResolver(IConversationScorer scorer, ScoringSourceOptions? options = null)
    {
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        options ??= new ScoringSourceOptions();
        options.Validate();
        DefaultGenerator = options.DefaultGenerator;
        _sameModelIds = new HashSet<string>(options.SameModelIds, StringComparer.OrdinalIgnoreCase);
        _weights = new ConcurrentDictionary<string, string>(options.Generators, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The scorer's model id.</summary>
    public string ScoringModel => _scorer.ModelId;

    /// <summary>The generator assumed for messages and calls that name none, or null for the scorer's own model.</summary>
    public string? DefaultGenerator { get; }

    /// <summary>The source of the scorer's numbers for its own model's text (same-model unless the scorer says otherwise).</summary>
    public ScoringSource ScorerSource => _scorer.Source;

    /// <summary>
    /// The generators the configuration names: the default generator (or the scorer's model), the same-model aliases
    /// and every generator with configured or bound weights. Start-up reports cover these.
    /// </summary>
    public IReadOnlyList<string> KnownGenerators
    {
        get
        {
            var known = new List<string> { DefaultGenerator ?? ScoringModel };
            foreach (var id in _sameModelIds.Concat(_weights.Keys).Order(StringComparer.OrdinalIgnoreCase))
                if (!known.Contains(id, StringComparer.OrdinalIgnoreCase)) known.Add(id);
            return known;
        }
    }

    /// <summary>
    /// Binds <paramref name="generatorModel"/> to the weights whose SHA-256 is <paramref name="weightsSha256"/>: a local
    /// generator registered with the monitor (an ONNX chat client) binds itself this way, so its messages are scored
    /// same-model whenever it runs the scorer's weights, whatever id it reports.
    /// </summary>
    public void Bind(string generatorModel, string weightsSha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generatorModel);
        if (!ScoringSourceOptions.IsSha256(weightsSha256))
            throw new ArgumentException($"\"{weightsSha256}\" is not a SHA-256; expected 64 hex digits of the generator's ONNX weights.", nameof(weightsSha256));
        _weights[generatorModel] = weightsSha256;
        _resolved.TryRemove(generatorModel, out _);
    }

    /// <summary>The generator of <paramref name="message"/> in a call to <paramref name="callModel"/> (see the class remarks).</summary>
    public string GeneratorOf(TranscriptMessage message, string? callModel)
    {
        ArgumentNullException.ThrowIfNull(message);
        return NonEmpty(message.Model) ?? NonEmpty(callModel) ?? DefaultGenerator ?? ScoringModel;
    }

    /// <summary>Whose distribution the scorer's numbers are for text <paramref name="generatorModel"/> wrote.</summary>
    public ScoringSource Resolve(string generatorModel)
    {
        ArgumentNullException.ThrowIfNull(generatorModel);
        return _resolved.GetOrAdd(generatorModel, Decide);
    }

    /// <summary>
    /// The generator and source of every assistant message of <paramref name="transcript"/>, in message order.
    /// <paramref name="overrides"/> sets the source of messages whose numbers came from elsewhere (a response whose
    /// generator returned its own log-probabilities: <see cref="ScoringSource.GeneratorLogprobs"/>).
    /// </summary>
    public ImmutableArray<MessageScoring> Resolve(Transcript transcript, string? callModel, IReadOnlyDictionary<int, ScoringSource>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var result = ImmutableArray.CreateBuilder<MessageScoring>();
        for (var m = 0; m < transcript.Count; m++)
        {
            var message = transcript[m];
            if (message.Role != MessageRole.Assistant) continue;
            var generator = GeneratorOf(message, callModel);
            var source = overrides is not null && overrides.TryGetValue(m, out var given) ? given : Resolve(generator);
            result.Add(new MessageScoring(m, generator, source));
        }
        return result.ToImmutable();
    }

    private ScoringSource Decide(string generator)
    {
        if (string.Equals(generator, _scorer.ModelId, StringComparison.OrdinalIgnoreCase) || _sameModelIds.Contains(generator)) return ScorerSource;
        foreach (var served in _scorer.ServedModelIds)
            if (string.Equals(generator, served, StringComparison.OrdinalIgnoreCase)) return ScorerSource;
        if (_weights.TryGetValue(generator, out var sha) && _scorer.WeightsSha256 is { } own && string.Equals(sha, own, StringComparison.OrdinalIgnoreCase))
            return ScorerSource;
        return ScoringSource.Surrogate;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
