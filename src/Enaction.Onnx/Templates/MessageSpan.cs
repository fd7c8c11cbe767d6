namespace Enaction.Onnx.Templates;

/// <summary>
/// Where one message's content sits in a rendered transcript. Templates may transform content (Llama 3 and Gemma
/// strip it), so the rendered slice <c>[Start, Start + Length)</c> of the text equals
/// <c>content.Substring(ContentStart, Length)</c> of the original message: character <c>Start + k</c> of the text is
/// character <c>ContentStart + k</c> of the message.
/// </summary>
/// <param name="Message">Index of the message in the transcript.</param>
/// <param name="Start">Offset of the content in the rendered text.</param>
/// <param name="Length">Length of the rendered content.</param>
/// <param name="ContentStart">Offset in the original message content of the first rendered character.</param>
public sealed record MessageSpan(int Message, int Start, int Length, int ContentStart = 0)
{
    /// <summary>The end of the content in the rendered text (exclusive).</summary>
    public int End => Start + Length;
}
