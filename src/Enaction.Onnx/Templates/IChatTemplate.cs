using Enaction.Transcripts;

namespace Enaction.Onnx.Templates;

/// <summary>
/// A model's chat template: renders a transcript to exactly the text the model was trained on, with each message's
/// content located in it (so every token can be traced to its message). Which template a model folder uses is decided
/// separately, by an <see cref="IChatTemplateRecognizer"/>; <see cref="ChatTemplate"/> is the built-in one.
/// </summary>
public interface IChatTemplate
{
    /// <summary>A short name for messages and reports ("chatml", "jinja", a host's own).</summary>
    string Name { get; }

    /// <summary>The <c>bos_token</c> the template writes, if any.</summary>
    string? BosToken { get; }

    /// <summary>The <c>eos_token</c> the template writes, if any.</summary>
    string? EosToken { get; }

    /// <summary>Whether rendered text starts with <see cref="BosToken"/> (so an encoder must not add another).</summary>
    bool WritesBos { get; }

    /// <summary>
    /// Renders <paramref name="transcript"/>. <paramref name="addGenerationPrompt"/> opens an assistant turn;
    /// <paramref name="continueFinalMessage"/> leaves the last message open for a prefill. Throws
    /// <see cref="ArgumentException"/> where the model's own template would raise.
    /// </summary>
    RenderedTranscript Render(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false);

    /// <summary>
    /// Renders <paramref name="transcript"/> (no generation prompt, nothing continued) reusing <paramref name="previous"/>,
    /// a rendering of a transcript whose first <paramref name="unchanged"/> messages are the same; the result must equal
    /// <see cref="Render(Transcript, bool, bool)"/>'s. Null (the default) means "render from scratch", which is always correct.
    /// </summary>
    RenderedTranscript? RenderContinued(Transcript transcript, RenderedTranscript previous, int unchanged) => null;
}
