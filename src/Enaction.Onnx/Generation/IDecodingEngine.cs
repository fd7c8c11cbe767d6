namespace Enaction.Onnx.Generation;

/// <summary>
/// What runs the decoder under <see cref="LocalGenerator"/>: ONNX Runtime directly (the default) or another runtime
/// over the same model folder (OnnxRuntimeGenAI in <c>Enaction.Connectors.Onnx</c>). The generator keeps the prompt
/// rendering, the sampler and the stopping rules, so every engine draws the same tokens from the same logits.
/// </summary>
public interface IDecodingEngine
{
    /// <summary>The engine's name for chat-client metadata, for example <c>onnxruntime</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Runs <paramref name="prompt"/> (reusing cached state for a prefix it already ran, where the engine can) and
    /// writes the logits that predict the next token into <paramref name="nextLogits"/> (one row of the vocabulary).
    /// </summary>
    IDecodingSequence Start(ReadOnlySpan<int> prompt, Span<float> nextLogits, CancellationToken cancellationToken);
}
