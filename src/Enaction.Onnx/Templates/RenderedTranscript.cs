using System.Collections.Immutable;

namespace Enaction.Onnx.Templates;

/// <summary>A transcript rendered by a chat template: the exact text and where each message's content sits in it.</summary>
/// <param name="Text">The rendered text, byte for byte what the model's Jinja template produces.</param>
/// <param name="Spans">
/// One span per rendered message, in text order. A message the template leaves out (Phi-3 and Llama 2 drop tool
/// messages) has no span.
/// </param>
public sealed record RenderedTranscript(string Text, ImmutableArray<MessageSpan> Spans)
{
    /// <summary>
    /// For each message index, and one past the last, the offset in <see cref="Text"/> where the template began writing
    /// that message (the text before it depends only on earlier messages); default when the text was cut
    /// (<c>continueFinalMessage</c>), so nothing can be rendered after it. Lets a later rendering reuse the text
    /// before the first changed message.
    /// </summary>
    internal ImmutableArray<int> MessageStarts { get; init; }
}
