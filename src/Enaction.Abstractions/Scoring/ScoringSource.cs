using System.Text.Json.Serialization;

namespace Enaction.Scoring;

/// <summary>
/// Whose numbers a scored assistant message carries: every signal the monitor measures is relative to the model that
/// generated the text, so each judged message says where its token statistics came from.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScoringSource>))]
public enum ScoringSource
{
    /// <summary>The scorer ran the generator's own weights: the full distribution at every token. Every detector applies.</summary>
    [JsonStringEnumMemberName("same-model")]
    SameModel,

    /// <summary>
    /// The generator returned the top-k log-probabilities of its response tokens with the answer: surprisal is exact,
    /// entropy is bounded from the top-k and the tail mass. History turns cannot be scored this way.
    /// </summary>
    [JsonStringEnumMemberName("generator-logprobs")]
    GeneratorLogprobs,

    /// <summary>
    /// An engine serving the generator's weights returned the top-k log-probabilities of every prompt token (vLLM's
    /// <c>prompt_logprobs</c>): the whole transcript is scored on the generator's own numbers, with bounded entropy.
    /// </summary>
    [JsonStringEnumMemberName("served-logprobs")]
    ServedLogprobs,

    /// <summary>
    /// A different model scored text it did not write: its surprise, not the generator's. The signature detectors stay
    /// silent unless the policy opts in (<c>surrogate: judge</c>).
    /// </summary>
    [JsonStringEnumMemberName("surrogate")]
    Surrogate,
}
