namespace Enaction.Scoring;

/// <summary>
/// Implemented by a scorer that knows which generators it scores with their own numbers, and as which source: a remote
/// scorer that asks a serving engine for the prompt log-probabilities of the generator's weights says
/// <see cref="ScoringSource.ServedLogprobs"/> for the model ids that engine serves. The monitor asks it first for each
/// assistant message's generator; a scorer that does not implement it runs the weights of its own
/// <see cref="IConversationScorer.ModelId"/> (same-model for that id, the configured aliases and a generator bound to
/// the same <see cref="IConversationScorer.WeightsSha256"/>; surrogate for any other).
/// </summary>
public interface IScoringSourceProvider
{
    /// <summary>
    /// Whose numbers this scorer gives for text that <paramref name="generatorModel"/> wrote:
    /// <see cref="ScoringSource.SameModel"/> or <see cref="ScoringSource.ServedLogprobs"/> when it runs that generator's
    /// weights, null when it does not know the generator (the monitor then decides by its own bindings).
    /// </summary>
    /// <param name="generatorModel">The generator's model id, as the provider reports it.</param>
    ScoringSource? SourceFor(string generatorModel);
}
