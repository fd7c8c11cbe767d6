using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;
using Enaction.Transcripts;

namespace Enaction.Onnx.Templates;

/// <summary>
/// A model's chat template, rendered to exactly the text its Jinja template produces, with each message's content
/// located in it: the built-in <see cref="IChatTemplate"/>. Templates of the five known families without tools are
/// rendered natively (the fast path, checked against the Jinja render); any other template, and any template that
/// renders tool definitions, tool calls, reasoning blocks or a date preamble, is rendered by its own Jinja
/// (<see cref="ChatTemplateStyle.Jinja"/>). Which is which is decided by <see cref="BuiltInChatTemplateRecognizer"/>.
/// </summary>
/// <remarks>
/// Native rendering follows the published templates: Llama 3.0 (roles written as given, so tool results appear under a
/// <c>tool</c> header; Llama 3.1's <c>ipython</c> role, tool definitions and date preamble are not reproduced and such
/// templates are rejected), Phi-3-mini (tool messages are dropped, EOS ends a transcript without a generation
/// prompt), Gemma 3 (system text + "\n\n" leads the first user turn; roles must alternate), Llama 2 chat.
/// </remarks>
public sealed class ChatTemplate : IChatTemplate
{
    /// <summary>The style names accepted as overrides, for messages.</summary>
    public const string SupportedStyles = "chatml, llama3, phi3, gemma, llama2";

    private readonly bool _skipEmptySystem;
    private readonly bool _systemSupported;
    private readonly JinjaRenderer? _jinja;

    internal ChatTemplate(ChatTemplateStyle style, string? bosToken, string? eosToken, string? source, bool skipEmptySystem, bool systemSupported,
        JinjaRenderer? jinja = null)
    {
        _jinja = jinja;
        Style = style;
        BosToken = bosToken ?? DefaultBos(style);
        EosToken = eosToken ?? DefaultEos(style);
        Source = source;
        _skipEmptySystem = skipEmptySystem;
        _systemSupported = systemSupported;
    }

    /// <summary>The template family.</summary>
    public ChatTemplateStyle Style { get; }

    /// <summary>The style's name: chatml, llama3, phi3, gemma, llama2 or jinja.</summary>
    public string Name => Style.ToString().ToLowerInvariant();

    /// <summary>The Jinja text this was recognised from (or is rendered by), or null when the style was given by name.</summary>
    public string? Source { get; }

    /// <summary>The <c>bos_token</c> the template writes (Llama 3, Gemma, Llama 2), from the tokenizer config or the family's default.</summary>
    public string? BosToken { get; }

    /// <summary>The <c>eos_token</c> the template writes (Phi-3, Llama 2).</summary>
    public string? EosToken { get; }

    /// <summary>Whether rendered text starts with <see cref="BosToken"/> (so an encoder must not add another).</summary>
    public bool WritesBos => Style is ChatTemplateStyle.Llama3 or ChatTemplateStyle.Gemma or ChatTemplateStyle.Llama2
        || (Style == ChatTemplateStyle.Jinja && Source!.Contains("bos_token", StringComparison.Ordinal));

    /// <summary>A template of <paramref name="style"/> with the given (or the family's default) special tokens.</summary>
    public static ChatTemplate Create(ChatTemplateStyle style, string? bosToken = null, string? eosToken = null) =>
        new(style, bosToken, eosToken, null, skipEmptySystem: false, systemSupported: true);

    /// <summary>Parses a style name ("chatml", "llama3", "phi3", "gemma", "llama2"; case-insensitive).</summary>
    public static bool TryParseStyle(string? name, out ChatTemplateStyle style)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "chatml": style = ChatTemplateStyle.ChatML; return true;
            case "llama3": case "llama-3": style = ChatTemplateStyle.Llama3; return true;
            case "phi3": case "phi-3": style = ChatTemplateStyle.Phi3; return true;
            case "gemma": style = ChatTemplateStyle.Gemma; return true;
            case "llama2": case "llama-2": style = ChatTemplateStyle.Llama2; return true;
            default: style = default; return false;
        }
    }

    /// <summary>
    /// Loads the chat template of <paramref name="modelDirectory"/> (<c>tokenizer_config.json</c> <c>chat_template</c>,
    /// else <c>chat_template.jinja</c> or <c>chat_template.json</c>), or uses <paramref name="styleOverride"/> when given.
    /// Throws <see cref="ModelLoadException"/> for a missing or unrecognised template.
    /// </summary>
    public static ChatTemplate Load(string modelDirectory, string? styleOverride = null)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        return Load(modelDirectory, ChatTemplateSource.Read(modelDirectory), styleOverride);
    }

    /// <summary>
    /// The built-in template for <paramref name="source"/> read from <paramref name="modelDirectory"/>, or the style
    /// <paramref name="styleOverride"/> names.
    /// </summary>
    internal static ChatTemplate Load(string modelDirectory, ChatTemplateSource source, string? styleOverride)
    {
        if (!string.IsNullOrWhiteSpace(styleOverride))
        {
            if (!TryParseStyle(styleOverride, out var forced))
                throw new ModelLoadException(modelDirectory, $"chat template style \"{styleOverride}\" is not known; expected one of {SupportedStyles}");
            return Create(forced, source.BosToken, source.EosToken);
        }
        if (source.Text is null)
            throw new ModelLoadException(Path.Combine(modelDirectory, TokenizerConfig.FileName),
                $"the model has no chat_template (looked in tokenizer_config.json, chat_template.jinja, chat_template.json); name a style instead: {SupportedStyles}");
        return BuiltInChatTemplateRecognizer.Template(source);
    }

    /// <summary>
    /// The template for Jinja text: a native renderer when the text is one of the known families without features
    /// the native renderers do not reproduce, else the Jinja itself. Throws <see cref="ModelLoadException"/> (naming
    /// <paramref name="path"/>) when the Jinja engine cannot load or render it.
    /// </summary>
    public static ChatTemplate FromJinja(string template, string? bosToken = null, string? eosToken = null, string path = "chat_template")
    {
        ArgumentNullException.ThrowIfNull(template);
        return BuiltInChatTemplateRecognizer.Template(new ChatTemplateSource(template, bosToken, eosToken, path));
    }

    /// <summary>
    /// The template rendered by its own Jinja whatever it is (no native fast path): what the native renderers are
    /// checked against. Throws <see cref="ModelLoadException"/> when the Jinja engine cannot load or render it.
    /// </summary>
    public static ChatTemplate FromJinjaOnly(string template, string? bosToken = null, string? eosToken = null, string path = "chat_template")
    {
        ArgumentNullException.ThrowIfNull(template);
        var jinja = JinjaRenderer.For(template, bosToken, eosToken, path);
        var result = new ChatTemplate(ChatTemplateStyle.Jinja, bosToken, eosToken, template, skipEmptySystem: false, systemSupported: true, jinja);
        try
        {
            // A trial render surfaces syntax errors and missing filters at load time rather than on the first turn.
            jinja.Render([(MessageRole.User, "Hello.", null), (MessageRole.Assistant, "Hi.", null), (MessageRole.User, "Bye.", null)], null, true);
        }
        catch (ArgumentException e)
        {
            throw new ModelLoadException(path, $"the chat template does not render a user/assistant/user conversation ({e.Message})", e);
        }
        return result;
    }

    private static string? DefaultBos(ChatTemplateStyle style) => style switch
    {
        ChatTemplateStyle.Llama3 => "<|begin_of_text|>",
        ChatTemplateStyle.Gemma => "<bos>",
        ChatTemplateStyle.Llama2 => "<s>",
        _ => null,
    };

    private static string? DefaultEos(ChatTemplateStyle style) => style switch
    {
        ChatTemplateStyle.ChatML => "<|im_end|>",
        ChatTemplateStyle.Llama3 => "<|eot_id|>",
        ChatTemplateStyle.Phi3 => "<|endoftext|>",
        ChatTemplateStyle.Gemma => "<eos>",
        ChatTemplateStyle.Llama2 => "</s>",
        _ => null,
    };

    /// <summary>
    /// Renders <paramref name="transcript"/> as the template does. <paramref name="addGenerationPrompt"/> opens an
    /// assistant turn; <paramref name="continueFinalMessage"/> leaves the last message open for a prefill (the text
    /// ends with its content, as Hugging Face's <c>continue_final_message</c> does). Throws <see cref="ArgumentException"/>
    /// where the Jinja template would raise (for example Gemma's alternating-roles rule).
    /// </summary>
    public RenderedTranscript Render(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (addGenerationPrompt && continueFinalMessage)
            throw new ArgumentException("addGenerationPrompt and continueFinalMessage cannot both be set: one opens a new assistant turn, the other continues the last message.");
        if (continueFinalMessage && transcript.Count == 0)
            throw new ArgumentException("continueFinalMessage needs a transcript with at least one message.", nameof(transcript));

        if (_jinja is not null)
        {
            var jinja = _jinja.Render(transcript, addGenerationPrompt);
            return continueFinalMessage ? ContinueFinal(transcript, jinja) : jinja;
        }

        var rendered = RenderFrom(transcript, addGenerationPrompt, null, 0);
        return continueFinalMessage ? ContinueFinal(transcript, rendered) : rendered;
    }

    /// <summary>
    /// Renders <paramref name="transcript"/> (no generation prompt, nothing continued) reusing <paramref name="previous"/>,
    /// a rendering of a transcript whose first <paramref name="unchanged"/> messages are the same: the text written
    /// before message <paramref name="unchanged"/> is copied and only the messages from it on are rendered. The result
    /// equals <see cref="Render(Transcript, bool, bool)"/>'s. Returns null when <paramref name="previous"/> cannot be continued
    /// (and always for <see cref="ChatTemplateStyle.Jinja"/>, which renders whole conversations only).
    /// </summary>
    public RenderedTranscript? RenderContinued(Transcript transcript, RenderedTranscript previous, int unchanged)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(previous);
        // The Jinja renderer renders whole conversations only: the caller then encodes from scratch.
        if (_jinja is not null || previous.MessageStarts.IsDefault || unchanged >= previous.MessageStarts.Length || unchanged > transcript.Count) return null;
        return RenderFrom(transcript, false, previous, unchanged);
    }

    private RenderedTranscript RenderFrom(Transcript transcript, bool addGenerationPrompt, RenderedTranscript? previous, int from)
    {
        var output = new RenderedTextBuilder(transcript.Count);
        if (previous is not null && from > 0) output.Seed(previous, from);
        else from = 0;
        switch (Style)
        {
            case ChatTemplateStyle.ChatML: RenderChatML(transcript, output, from); break;
            case ChatTemplateStyle.Llama3: RenderLlama3(transcript, output, from); break;
            case ChatTemplateStyle.Phi3: RenderPhi3(transcript, output, from); break;
            case ChatTemplateStyle.Gemma: RenderGemma(transcript, output, from); break;
            case ChatTemplateStyle.Llama2: RenderLlama2(transcript, output, from); break;
            default: throw new InvalidOperationException($"Unknown style {Style}.");
        }
        output.BeginMessage(transcript.Count);
        Close(output, addGenerationPrompt);
        return output.Build();
    }

    /// <summary>
    /// Cuts the fully rendered text after the final message as transformers' <c>continue_final_message</c> does:
    /// at the stripped content, extended to the whole original content when the text there matches it (so a
    /// trailing space survives where the template keeps it). An empty final message is left open after its header.
    /// </summary>
    private RenderedTranscript ContinueFinal(Transcript transcript, RenderedTranscript rendered)
    {
        var last = transcript.Count - 1;
        var index = -1;
        for (var i = rendered.Spans.Length - 1; i >= 0 && index < 0; i--)
            if (rendered.Spans[i].Message == last) index = i;
        if (index < 0)
            throw new ArgumentException($"continueFinalMessage: the {Style} template does not render the final ({transcript[last].Role.ToName()}) message, so it cannot be continued.", nameof(transcript));

        var span = rendered.Spans[index];
        var original = transcript[last].Content;
        var lead = 0;
        while (lead < original.Length && PythonText.IsSpace(original[lead])) lead++;
        var trail = original.Length;
        while (trail > lead && PythonText.IsSpace(original[trail - 1])) trail--;
        var tag = span.Start + (lead - span.ContentStart);
        var text = rendered.Text;
        int cut;
        if (trail == lead) cut = span.End;
        else if (tag + original.Length <= text.Length && string.CompareOrdinal(text, tag, original, 0, original.Length) == 0) cut = tag + original.Length;
        else cut = tag + (trail - lead);

        var spans = rendered.Spans.Take(index).ToImmutableArray()
            .Add(span with { Length = Math.Min(span.End, cut) - span.Start });
        return new RenderedTranscript(text[..cut], spans);
    }

    private void Close(RenderedTextBuilder output, bool addGenerationPrompt)
    {
        switch (Style)
        {
            case ChatTemplateStyle.ChatML when addGenerationPrompt: output.Literal("<|im_start|>assistant\n"); break;
            case ChatTemplateStyle.Llama3 when addGenerationPrompt: output.Literal("<|start_header_id|>assistant<|end_header_id|>\n\n"); break;
            case ChatTemplateStyle.Phi3: output.Literal(addGenerationPrompt ? "<|assistant|>\n" : EosToken ?? ""); break;
            case ChatTemplateStyle.Gemma when addGenerationPrompt: output.Literal("<start_of_turn>model\n"); break;
        }
    }

    // Each renderer writes messages from `from` on (0: all) and marks where each begins; what it writes for a message
    // depends only on that message and earlier ones, which is what lets a rendering be continued.
    private static void RenderChatML(Transcript t, RenderedTextBuilder output, int from)
    {
        for (var i = from; i < t.Count; i++)
        {
            output.BeginMessage(i);
            output.Literal("<|im_start|>" + t[i].Role.ToName() + "\n");
            output.Content(i, t[i].Content);
            output.Literal("<|im_end|>\n");
        }
    }

    private void RenderLlama3(Transcript t, RenderedTextBuilder output, int from)
    {
        for (var i = from; i < t.Count; i++)
        {
            output.BeginMessage(i);
            if (i == 0) output.Literal(BosToken ?? "");
            output.Literal("<|start_header_id|>" + t[i].Role.ToName() + "<|end_header_id|>\n\n");
            output.StrippedContent(i, t[i].Content);
            output.Literal("<|eot_id|>");
        }
    }

    private void RenderPhi3(Transcript t, RenderedTextBuilder output, int from)
    {
        for (var i = from; i < t.Count; i++)
        {
            output.BeginMessage(i);
            var m = t[i];
            if (m.Role == MessageRole.Tool) continue; // the template has no branch for it
            if (m.Role == MessageRole.System && _skipEmptySystem && m.Content.Length == 0) continue;
            output.Literal("<|" + m.Role.ToName() + "|>\n");
            output.Content(i, m.Content);
            output.Literal("<|end|>\n");
        }
    }

    private void RenderGemma(Transcript t, RenderedTextBuilder output, int from)
    {
        if (from == 0) output.Literal(BosToken ?? "");
        var first = 0;
        if (t.Count > 0 && t[0].Role == MessageRole.System)
        {
            if (!_systemSupported) throw new ArgumentException("System role not supported", nameof(t));
            first = 1;
        }
        for (var i = Math.Max(first, from); i < t.Count; i++)
        {
            output.BeginMessage(i);
            var m = t[i];
            var index0 = i - first;
            if ((m.Role == MessageRole.User) != (index0 % 2 == 0))
                throw new ArgumentException("Conversation roles must alternate user/assistant/user/assistant/...", nameof(t));
            output.Literal("<start_of_turn>" + (m.Role == MessageRole.Assistant ? "model" : m.Role.ToName()) + "\n");
            if (index0 == 0 && first == 1)
            {
                output.Content(0, t[0].Content);
                output.Literal("\n\n");
            }
            output.StrippedContent(i, m.Content);
            output.Literal("<end_of_turn>\n");
        }
    }

    private void RenderLlama2(Transcript t, RenderedTextBuilder output, int from)
    {
        var first = t.Count > 0 && t[0].Role == MessageRole.System ? 1 : 0;
        for (var i = Math.Max(first, from); i < t.Count; i++)
        {
            output.BeginMessage(i);
            var m = t[i];
            var index0 = i - first;
            if ((m.Role == MessageRole.User) != (index0 % 2 == 0))
                throw new ArgumentException("Conversation roles must alternate user/assistant/user/assistant/...", nameof(t));
            var pieces = new List<RenderedTextBuilder.Piece>();
            if (index0 == 0 && first == 1)
            {
                pieces.Add(RenderedTextBuilder.Piece.Literal("<<SYS>>\n"));
                pieces.Add(RenderedTextBuilder.Piece.Content(0, t[0].Content));
                pieces.Add(RenderedTextBuilder.Piece.Literal("\n<</SYS>>\n\n"));
            }
            pieces.Add(RenderedTextBuilder.Piece.Content(i, m.Content));
            if (m.Role == MessageRole.User)
            {
                output.Literal((BosToken ?? "") + "[INST] ");
                output.Append(pieces, strip: true);
                    output.Literal(" [/INST]");
            }
            else if (m.Role == MessageRole.Assistant)
            {
                output.Literal(" ");
                output.Append(pieces, strip: true);
                    output.Literal(" " + (EosToken ?? ""));
            }
        }
    }
}
