namespace Enaction.Scoring;

/// <summary>
/// The weights a local generator runs. A chat client over a local model returns it from
/// <c>IChatClient.GetService(typeof(GeneratorWeights))</c>, so the monitor wrapped around that client binds the
/// generator's model id to those weights: its messages are scored same-model whenever the scorer runs the same file
/// (compared by SHA-256, the identity calibrations are tied to).
/// </summary>
/// <param name="ModelId">The model id the generator reports in its responses.</param>
/// <param name="Sha256">The SHA-256 (lower-case hex) of the ONNX weights it generates with.</param>
public sealed record GeneratorWeights(string ModelId, string Sha256);
