using Enaction.Onnx.Models;

namespace Enaction.Bench.Benchmarks;

/// <summary>How a benchmark loads its model: the same switches as <c>enaction score</c> plus the scorer's tuning knobs.</summary>
public sealed record BenchModel
{
    /// <summary>Model directory.</summary>
    public required string Directory { get; init; }
    /// <summary>Execution provider (cuda needs the GPU build, -p:EnactionGpu=true).</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Auto;
    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Context length override; null keeps the model's own.</summary>
    public int? ContextLength { get; init; }
    /// <summary>Logits one forward pass may produce (floats); null keeps the engine default.</summary>
    public int? MaxLogitsPerRun { get; init; }
    /// <summary>Most tokens per forward pass; null keeps the engine default.</summary>
    public int? MaxTokensPerRun { get; init; }
    /// <summary>Scoring arithmetic.</summary>
    public ScoringPrecision Precision { get; init; } = ScoringPrecision.Float32;
    /// <summary>ONNX Runtime's spinning policy; null keeps the engine's.</summary>
    public bool? AllowSpinning { get; init; }

    /// <summary>Tokens one forward pass runs at most for a vocabulary of <paramref name="vocabulary"/> (the scorer's chunk size).</summary>
    public int TokensPerPass(int vocabulary)
    {
        var defaults = new ModelOptions();
        return Math.Max(1, Math.Min(MaxTokensPerRun ?? defaults.MaxTokensPerRun, (MaxLogitsPerRun ?? defaults.MaxLogitsPerRun) / vocabulary));
    }

    /// <summary>Loads the model (at <paramref name="precision"/> when given, else at <see cref="Precision"/>).</summary>
    public CausalLanguageModel Load(ScoringPrecision? precision = null)
    {
        var options = new ModelOptions
        {
            ExecutionProvider = Provider, IntraOpThreads = IntraOpThreads, ContextLength = ContextLength,
            Precision = precision ?? Precision,
        };
        if (AllowSpinning is { } spinning) options.AllowSpinning = spinning;
        if (MaxTokensPerRun is { } tokens) options.MaxTokensPerRun = tokens;
        if (MaxLogitsPerRun is { } max) options.MaxLogitsPerRun = max;
        return CausalLanguageModel.Load(Directory, options);
    }
}
