using System.Collections.Immutable;

namespace Enaction.Onnx.Generation;

/// <summary>Why generation stopped.</summary>
public enum GenerationStop
{
    /// <summary>An end-of-sequence token or stop sequence.</summary>
    EndOfSequence,
    /// <summary>The token limit.</summary>
    MaxTokens,
    /// <summary>The model's context is full.</summary>
    ContextFull,
}

/// <summary>One generated token as it streams out; a final entry with <c>TokenId</c> -1 carries text held back for stop sequences.</summary>
/// <param name="TokenId">The sampled token.</param>
/// <param name="Text">New text that this token completes (may be empty while a UTF-8 character is incomplete).</param>
/// <param name="Entropy">Entropy in nats of the model's distribution (temperature 1) the token was drawn from.</param>
/// <param name="Surprisal">-ln p of the sampled token under that distribution.</param>
public readonly record struct GeneratedToken(int TokenId, string Text, float Entropy, float Surprisal);

/// <summary>A finished response.</summary>
/// <param name="Text">The generated text (after the prefill, if any).</param>
/// <param name="Tokens">Every generated token with its statistics, stop token excluded.</param>
/// <param name="Stop">Why it stopped.</param>
/// <param name="PromptTokens">Tokens in the rendered prompt.</param>
public sealed record GenerationResult(string Text, ImmutableArray<GeneratedToken> Tokens, GenerationStop Stop, int PromptTokens)
{
    /// <summary>Mean entropy of the distributions the tokens were drawn from (the paper's measure), NaN when empty.</summary>
    public double MeanEntropy => Tokens.IsEmpty ? double.NaN : Tokens.Average(t => (double)t.Entropy);
}
