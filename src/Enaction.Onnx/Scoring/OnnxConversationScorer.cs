using Enaction.Onnx.Models;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Scoring;

/// <summary>
/// <see cref="IConversationScorer"/> over a local ONNX causal LM. Thread-safe; each conversation gets its own
/// <see cref="OnnxScoringSession"/> while the model's weights and ONNX session are shared.
/// </summary>
public sealed class OnnxConversationScorer : IConversationScorer
{
    private readonly bool _ownsModel;

    /// <summary>Scores with <paramref name="model"/>; the caller keeps ownership unless <paramref name="ownsModel"/>.</summary>
    public OnnxConversationScorer(CausalLanguageModel model, bool ownsModel = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _ownsModel = ownsModel;
    }

    /// <summary>Loads <paramref name="directory"/> and scores with it.</summary>
    public static OnnxConversationScorer Load(string directory, ModelOptions? options = null) =>
        new(CausalLanguageModel.Load(directory, options), ownsModel: true);

    /// <summary>The model.</summary>
    public CausalLanguageModel Model { get; }

    /// <inheritdoc />
    public string ModelId => Model.Id;

    /// <inheritdoc />
    public async ValueTask<ScoredTranscript> ScoreAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        using var session = new OnnxScoringSession(Model);
        return await session.ScoreAsync(transcript, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IScoringSession OpenSession() => new OnnxScoringSession(Model);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
