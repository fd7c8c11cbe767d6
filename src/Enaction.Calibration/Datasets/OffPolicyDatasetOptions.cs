namespace Enaction.Evaluation;

/// <summary>How <see cref="OffPolicyDatasetBuilder"/> samples and builds labelled transcripts.</summary>
public sealed record OffPolicyDatasetOptions
{
    /// <summary>Seed of every sample; the same seed, prompts and models give the same dataset. Default 1.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Own (on-policy) samples per prompt. Default 1.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>Most tokens per sampled response. Default 256.</summary>
    public int MaxTokens { get; init; } = 256;
    /// <summary>Words of another prompt's answer put in the model's mouth for a prefill (fewer for short answers). Default 8.</summary>
    public int PrefillWords { get; init; } = 8;
    /// <summary>The monitored model's temperature for its own samples and prefill continuations; null: its <c>generation_config.json</c>.</summary>
    public float? Temperature { get; init; }
    /// <summary>The monitored model's top-p for its own samples and prefill continuations; null: its <c>generation_config.json</c>.</summary>
    public float? TopP { get; init; }
    /// <summary>Prompts sampled at once (the model is thread-safe). Default 1.</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Checks the settings; the message names the bad one.</summary>
    public void Validate()
    {
        if (Samples < 1) throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "Samples must be at least 1.");
        if (MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1.");
        if (PrefillWords < 1) throw new ArgumentOutOfRangeException(nameof(PrefillWords), PrefillWords, "PrefillWords must be at least 1.");
        if (Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, "Parallelism must be at least 1.");
    }
}
