namespace Enaction.Onnx.Generation;

/// <summary>How to sample a response.</summary>
public sealed record GenerationOptions
{
    /// <summary>Softmax temperature; 0 picks the most likely token every time. Default 1.</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this. Default 1 (all).</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>Seed for reproducible samples; null draws a fresh one.</summary>
    public int? Seed { get; init; }
    /// <summary>Most tokens to generate. Default 256.</summary>
    public int MaxTokens { get; init; } = 256;
    /// <summary>Extra stop token ids; the tokenizer's end-of-sequence tokens always stop.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Stop strings; generation ends when the text ends with one (it is not included).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or a positive number.");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (MaxTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1.");
    }
}
