using System.Collections.Immutable;

namespace Enaction.Onnx.Templates;

/// <summary>A transcript rendered by a chat template: the exact text and where each message's content sits in it.</summary>
/// <param name="Text">The rendered text, byte for byte what the model's Jinja template produces.</param>
/// <param name="Spans">
/// One span per rendered message, in text order. A message the template leaves out (Phi-3 and Llama 2 drop tool
/// messages) has no span.
/// </param>
public sealed record RenderedTranscript(string Text, ImmutableArray<MessageSpan> Spans);
