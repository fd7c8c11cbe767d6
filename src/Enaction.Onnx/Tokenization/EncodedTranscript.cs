using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// A rendered and tokenised transcript: for each token its id and where it came from. Arrays are parallel and
/// <see cref="Count"/> long; they are not copied, so treat them as read-only.
/// </summary>
public sealed class EncodedTranscript
{
    internal EncodedTranscript(RenderedTranscript rendered, int[] ids, int[] message, int[] start, int[] end, Range[] offsets,
        Transcript? source = null, int reusedTokens = 0)
    {
        Rendered = rendered;
        Ids = ids;
        Message = message;
        Start = start;
        End = end;
        Offsets = offsets;
        Source = source;
        ReusedTokens = reusedTokens;
    }

    /// <summary>The rendered text that was tokenised (without a BOS the encoder prepended).</summary>
    public string Text => Rendered.Text;

    /// <summary>The rendering, with each message's content span.</summary>
    public RenderedTranscript Rendered { get; }

    /// <summary>Token ids, in order, including template scaffolding and any BOS.</summary>
    public int[] Ids { get; }

    /// <summary>For each token, the index of the message whose content it starts in, or -1 for scaffolding (markers, role names, BOS).</summary>
    public int[] Message { get; }

    /// <summary>For each token, its first character in the original content of <see cref="Message"/>, or -1 for scaffolding.</summary>
    public int[] Start { get; }

    /// <summary>For each token, one past its last character in the original content of <see cref="Message"/> (clipped to the content), or -1.</summary>
    public int[] End { get; }

    /// <summary>The number of tokens.</summary>
    public int Count => Ids.Length;

    /// <summary>For each token, the range of <see cref="Text"/> it covers (0..0 for a prepended BOS).</summary>
    internal Range[] Offsets { get; }

    /// <summary>The transcript, when it was encoded with no generation prompt and nothing continued (so a later encoding can continue it).</summary>
    internal Transcript? Source { get; }

    /// <summary>Leading tokens taken unchanged (ids, message and offsets) from the encoding this one continued.</summary>
    internal int ReusedTokens { get; }
}
