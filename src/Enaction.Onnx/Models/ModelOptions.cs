using Microsoft.Extensions.Logging;

namespace Enaction.Onnx.Models;

/// <summary>How to load a model directory.</summary>
public sealed class ModelOptions
{
    /// <summary>Execution provider; <see cref="ExecutionProvider.Auto"/> by default.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Auto;

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Arithmetic to score with: <see cref="ScoringPrecision.Float32"/> (exact, the default) or
    /// <see cref="ScoringPrecision.Int8"/> (8-bit weights from <see cref="ModelDirectory.Int8FileName"/>).
    /// </summary>
    public ScoringPrecision Precision { get; set; } = ScoringPrecision.Float32;

    /// <summary>
    /// Whether ONNX Runtime's intra-op worker threads spin between parallel sections
    /// (<c>session.intra_op.allow_spinning</c>). Default false: they sleep. Spinning shortens each hand-off but burns the
    /// core that the rest of the process (the agent, its other conversations) or the machine needs; on the shared
    /// 2-core build machine two spinning threads scored 2,048 bundled-model tokens in 1,545-2,887 ms where two
    /// sleeping ones took 707-1,537 ms and one thread 426-1,289 ms (docs/performance.md, "Threads and spinning").
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Chat template style to use instead of the one in <c>tokenizer_config.json</c> (chatml, llama3, phi3, gemma).</summary>
    public string? ChatTemplate { get; set; }

    /// <summary>
    /// The host's template recognisers, asked before the built-in one for the folder's chat template (a template
    /// family the built-in renderers do not know, or a known one rendered the host's way). Not used with <see cref="ChatTemplate"/>.
    /// </summary>
    public IList<Templates.IChatTemplateRecognizer> ChatTemplateRecognizers { get; } = [];

    /// <summary>Identifier reported in scores and events; the directory name by default.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// Upper bound, in floats, on the logits one forward pass may produce. The scorer splits long inputs into
    /// chunks so that <c>chunk × vocabulary</c> stays under it; this bounds peak memory for large vocabularies.
    /// Default 4,194,304 (16 MB).
    /// </summary>
    public int MaxLogitsPerRun { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most tokens one forward pass may hold, whatever the vocabulary. Exported decoders compute the whole attention
    /// matrix of a pass, masked half included, so very long passes waste work: for 2,048 tokens on the bundled model a
    /// cap of 256 took scoring from 264 to 165 ms on one thread (docs/performance.md). Default 256.
    /// </summary>
    public int MaxTokensPerRun { get; set; } = 256;

    /// <summary>
    /// The top-p (nucleus) the monitored generator samples this model's turns with, at a temperature of at most 1; 0 for
    /// greedy decoding, 1 when its turns may take any token (turns the nucleus features off). Null (default): the model
    /// folder's <c>generation_config.json</c>. Set it when your calls override the sampler: with a nucleus smaller than
    /// the one the generator really uses, the model's own turns look foreign.
    /// </summary>
    public double? SamplingTopP { get; set; }

    /// <summary>Threads a pass's per-token statistics may be split over; null: the intra-op thread count (one per core when 0). A test knob.</summary>
    internal int? ReductionThreads { get; set; }

    /// <summary>Context length override; by default the model's <c>max_position_embeddings</c>.</summary>
    public int? ContextLength { get; set; }

    /// <summary>Receives warnings such as the CUDA-to-CPU fallback.</summary>
    public ILogger? Logger { get; set; }

    internal void Validate()
    {
        if (IntraOpThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be 0 (automatic) or a positive thread count.");
        if (SamplingTopP is { } p && !(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(SamplingTopP), SamplingTopP, "SamplingTopP must be from 0 (greedy) to 1 (any token).");
        if (ReductionThreads is < 1)
            throw new ArgumentOutOfRangeException(nameof(ReductionThreads), ReductionThreads, "ReductionThreads must be positive.");
        if (MaxLogitsPerRun < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxLogitsPerRun), MaxLogitsPerRun, "MaxLogitsPerRun must be positive.");
        if (MaxTokensPerRun < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokensPerRun), MaxTokensPerRun, "MaxTokensPerRun must be positive.");
        if (!Enum.IsDefined(Precision))
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "Precision must be Float32 or Int8.");
        if (ContextLength is < 2)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "ContextLength must be at least 2 tokens.");
    }
}
