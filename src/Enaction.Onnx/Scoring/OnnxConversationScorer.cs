using Enaction.Onnx.Models;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// <see cref="IConversationScorer"/> over a local ONNX causal LM. Thread-safe; each conversation gets its own
/// <see cref="OnnxScoringSession"/> while the model's weights and ONNX session are shared. Scoring runs on the
/// scorer's own threads, at most <see cref="OnnxScorerOptions.MaxConcurrentRuns"/> at once, never on the caller's.
/// </summary>
public sealed class OnnxConversationScorer : IConversationScorer
{
    private readonly bool _ownsModel;
    private readonly ScoringWorkers _workers;
    private readonly Lazy<string> _weights;

    /// <summary>Scores with <paramref name="model"/>; the caller keeps ownership unless <paramref name="ownsModel"/>.</summary>
    public OnnxConversationScorer(CausalLanguageModel model, bool ownsModel = false, OnnxScorerOptions? options = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        options ??= new OnnxScorerOptions();
        options.Validate();
        _ownsModel = ownsModel;
        _workers = new ScoringWorkers(options.MaxConcurrentRuns);
        _weights = new Lazy<string>(() => CausalLanguageModel.Sha256(model.Directory.OnnxPath));
    }

    /// <summary>Loads <paramref name="directory"/> and scores with it.</summary>
    public static OnnxConversationScorer Load(string directory, ModelOptions? options = null, OnnxScorerOptions? scorerOptions = null) =>
        new(CausalLanguageModel.Load(directory, options), ownsModel: true, scorerOptions);

    /// <summary>The model.</summary>
    public CausalLanguageModel Model { get; }

    /// <inheritdoc />
    public string ModelId => Model.Id;

    /// <inheritdoc/>
    public string? WeightsSha256 => _weights.Value;

    /// <inheritdoc />
    public string? Precision => EnumNames.Name(Model.Precision);

    /// <summary>The most scoring calls that compute at once (the scorer's threads).</summary>
    public int MaxConcurrentRuns => _workers.Count;

    /// <summary>Threads the scorer has started (0 before its first call, then <see cref="MaxConcurrentRuns"/>).</summary>
    internal int ThreadsStarted => _workers.Started;

    /// <inheritdoc />
    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        using var session = OpenSession();
        return await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IScoringSession OpenSession() => new OnnxScoringSession(Model, _workers);

    /// <inheritdoc />
    public void Dispose()
    {
        _workers.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
