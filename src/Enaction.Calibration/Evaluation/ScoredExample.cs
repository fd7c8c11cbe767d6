using Enaction.Detection;
using Enaction.Scoring;

namespace Enaction.Evaluation;

/// <summary>A labelled transcript with the model's scores for it and the target turn's features.</summary>
public sealed class ScoredExample
{
    private readonly Lazy<TurnFeatures?> _features;
    private readonly Lazy<TurnFeatures?> _fromBoundary;

    /// <summary>Pairs an example with its scores.</summary>
    /// <param name="example">The labelled transcript.</param>
    /// <param name="scores">The model's scores for it.</param>
    /// <param name="contrast">The target turn scored with the request emptied (<see cref="PromptContrast"/>), or null.</param>
    public ScoredExample(LabelledTranscript example, ScoredTranscript scores, ScoredTranscript? contrast = null)
    {
        Example = example ?? throw new ArgumentNullException(nameof(example));
        Scores = scores ?? throw new ArgumentNullException(nameof(scores));
        Contrast = contrast;
        _features = new(() => TurnFeatures.Compute(Scores, Example.Target, contrast: Contrast));
        _fromBoundary = new(() => Example.PrefillChars > 0 ? TurnFeatures.Compute(Scores, Example.Target, Example.PrefillChars, contrast: Contrast) : _features.Value);
    }

    /// <summary>The target turn scored with the request emptied, or null.</summary>
    public ScoredTranscript? Contrast { get; }

    /// <summary>The labelled transcript.</summary>
    public LabelledTranscript Example { get; }

    /// <summary>The model's scores for the whole transcript.</summary>
    public ScoredTranscript Scores { get; }

    /// <summary>Features of the whole target turn (what the off-policy detector judges), or null when it has no scored token.</summary>
    public TurnFeatures? Features => _features.Value;

    /// <summary>
    /// Features with the "first tokens" window counted from where the model's own text starts: after the prefill for
    /// a continued prefill, else the start of the turn (what the broken-intention detector reads).
    /// </summary>
    public TurnFeatures? FromBoundary => _fromBoundary.Value;
}
