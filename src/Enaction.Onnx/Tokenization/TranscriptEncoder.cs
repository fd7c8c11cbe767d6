using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// Renders a transcript with the model's chat template and tokenises the whole rendered text at once, so the ids
/// are those Hugging Face's <c>apply_chat_template(tokenize=True)</c> gives, then maps every token back to the
/// message content it came from.
/// </summary>
/// <remarks>
/// <para>
/// Control tokens come only from the template: inside message content the text of a turn or role marker
/// (<c>&lt;|im_end|&gt;</c>, <c>&lt;|start_header_id|&gt;</c>, ...) is encoded as ordinary characters, as Hugging
/// Face's <c>split_special_tokens</c> does, so no user, tool or assistant text can open a turn the scorer would then
/// read as genuine. Content without such text encodes exactly as <c>apply_chat_template(tokenize=True)</c> does.
/// </para>
/// <para>
/// A token belongs to the message in whose content it starts; a token that starts in scaffolding is scaffolding
/// (-1) even if it runs on into content, and a token that runs past the end of its content has its end clipped to
/// the content. BOS is prepended when the tokenizer config sets <c>add_bos_token</c> and the template does not
/// write BOS itself (HF's <c>apply_chat_template</c> never adds it; pass <c>addBos: false</c> for that behaviour).
/// </para>
/// </remarks>
public sealed class TranscriptEncoder
{
    private readonly bool _prependBos;

    /// <summary>Creates an encoder.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The model's chat template.</param>
    /// <param name="addBos">Whether to prepend BOS; null follows <see cref="TextTokenizer.AddBosToken"/> unless the template writes BOS.</param>
    public TranscriptEncoder(TextTokenizer tokenizer, ChatTemplate template, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        Tokenizer = tokenizer;
        Template = template;
        _prependBos = tokenizer.BosTokenId is not null && (addBos ?? (tokenizer.AddBosToken && !template.WritesBos));
    }

    /// <summary>The tokenizer.</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>The chat template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>Renders and tokenises <paramref name="transcript"/>; see <see cref="ChatTemplate.Render"/> for the flags.</summary>
    public EncodedTranscript Encode(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false)
    {
        var rendered = Template.Render(transcript, addGenerationPrompt, continueFinalMessage);
        var text = rendered.Text;
        var ids = new List<int>(text.Length / 3 + 8);
        var offsets = new List<Range>(text.Length / 3 + 8);
        if (_prependBos)
        {
            ids.Add(Tokenizer.BosTokenId!.Value);
            offsets.Add(0..0);
        }
        var firstTextToken = ids.Count;
        var spans = rendered.Spans;
        var plain = new List<Range>(spans.Length);
        foreach (var span in spans)
            if (span.Length > 0) plain.Add(span.Start..span.End);
        Tokenizer.Encode(text, ids, offsets, plain);

        var n = ids.Count;
        var message = new int[n];
        var start = new int[n];
        var end = new int[n];
        var s = 0;
        for (var i = 0; i < n; i++)
        {
            message[i] = start[i] = end[i] = -1;
            if (i < firstTextToken) continue;
            var (from, to) = (offsets[i].Start.Value, offsets[i].End.Value);
            // Spans are in text order and token starts never decrease, so one forward pass finds each span.
            while (s < spans.Length && spans[s].End <= from) s++;
            if (s >= spans.Length) continue;
            var span = spans[s];
            if (from < span.Start || from >= span.End) continue;
            message[i] = span.Message;
            start[i] = from - span.Start + span.ContentStart;
            end[i] = Math.Min(to, span.End) - span.Start + span.ContentStart;
        }
        return new EncodedTranscript(rendered, [.. ids], message, start, end);
    }
}
