using Enaction.Transcripts;

namespace Enaction.Scoring;

/// <summary>
/// One token of a rendered transcript with the model's teacher-forced statistics for it.
/// </summary>
/// <param name="Id">Token id in the model's vocabulary.</param>
/// <param name="Text">The token's text (decoded bytes; template markers included).</param>
/// <param name="Message">Index of the message the token belongs to, or -1 for template scaffolding.</param>
/// <param name="Role">The role of that message, or null for scaffolding.</param>
/// <param name="Start">Character offset in the message content where the token starts (-1 for scaffolding).</param>
/// <param name="End">Character offset (exclusive) in the message content where the token ends (-1 for scaffolding).</param>
/// <param name="Entropy">Shannon entropy in nats of the distribution predicted for this position from the tokens before it; NaN for token 0.</param>
/// <param name="Surprisal">-ln p(token | previous tokens) in nats; NaN for token 0.</param>
/// <param name="Rank">1 when the token was the model's top choice, 2 for second, ...; 0 for token 0 (no prediction).</param>
/// <param name="LogProbVariance">Variance of ln p under the predicted distribution (the second moment Fast-DetectGPT's analytic curvature needs); NaN for token 0.</param>
/// <param name="Truncated">True when the prediction was made on a context cut by the model's window.</param>
public readonly record struct TokenScore(
    int Id,
    string Text,
    int Message,
    MessageRole? Role,
    int Start,
    int End,
    float Entropy,
    float Surprisal,
    int Rank,
    float LogProbVariance,
    bool Truncated)
{
    /// <summary>
    /// The probability the model put on tokens it preferred to this one (the mass of every token with a strictly higher
    /// logit, at temperature 1): 0 for its top choice, near 1 for a token deep in its tail. A token sampled with nucleus
    /// (top-p) sampling at temperature at most 1 always has less than top-p here, which is what the off-policy
    /// detector's nucleus features read (<see cref="ScoredTranscript.SamplingTopP"/>). NaN where the scorer does not
    /// see the whole distribution (top-k log-probabilities) and for token 0.
    /// </summary>
    public float MassAbove { get; init; } = float.NaN;

    /// <summary>False for token 0, which no prediction precedes.</summary>
    public bool HasScore => Rank > 0;

    /// <summary>True for template markers and other text outside any message content.</summary>
    public bool IsScaffolding => Message < 0;
}
