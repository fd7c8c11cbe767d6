namespace Enaction.Scoring;

/// <summary>
/// One generated token as the generator reported it with its answer (OpenAI's <c>logprobs.content[i]</c>): the
/// token's text, its natural log-probability and the most likely alternatives at its position.
/// </summary>
/// <param name="Token">The token's text.</param>
/// <param name="Logprob">ln p of the token (≤ 0).</param>
/// <param name="Utf8Bytes">The token's UTF-8 bytes when the provider gives them (a token can end inside a character); null to use <paramref name="Token"/>'s.</param>
public sealed record TokenLogprob(string Token, double Logprob, byte[]? Utf8Bytes = null)
{
    /// <summary>The top log-probabilities at this position (OpenAI's <c>top_logprobs</c>, at most 20), in the provider's order.</summary>
    public IReadOnlyList<TokenLogprob> TopLogprobs { get; init; } = [];
}
