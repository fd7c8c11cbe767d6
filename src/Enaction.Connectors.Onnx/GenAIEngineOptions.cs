namespace Enaction.Connectors.Onnx;

/// <summary>How <see cref="GenAIDecodingEngine"/> runs the model.</summary>
public sealed class GenAIEngineOptions
{
    /// <summary>
    /// Idle generators kept with their KV cache for later calls (default 4). A call takes the one whose tokens share
    /// the longest prefix with its prompt and runs only the rest, so a conversation's next turn costs its new tokens.
    /// 0 disposes each generator after its call.
    /// </summary>
    public int CachedSequences { get; set; } = 4;

    /// <summary>Most tokens a sequence may hold (prompt and response); the folder's <c>context_length</c> when null.</summary>
    public int? MaxLength { get; set; }

    internal void Validate()
    {
        if (CachedSequences < 0)
            throw new ArgumentOutOfRangeException(nameof(CachedSequences), CachedSequences, "CachedSequences must be 0 (no reuse across calls) or a positive count.");
        if (MaxLength is < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 2 tokens, or null for the model's context length.");
    }
}
