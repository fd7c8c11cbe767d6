using System.Collections.Immutable;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// One prompt of a calibration or evaluation prompt file:
/// <c>{"prompt":"...","family":"open-ended","system":"...","topic":"...","answers":["corpus answer", ...]}</c>.
/// </summary>
/// <param name="Prompt">The user message.</param>
/// <param name="Family">The prompt family (open-ended, arithmetic, ...).</param>
/// <param name="System">An optional system message.</param>
/// <param name="Answers">Reference answers from the training corpus (off-policy text the model was trained towards).</param>
/// <param name="Topic">What the prompt is about, when known: cross-prompt swaps and prefills pick a prompt with a different topic.</param>
public sealed record CalibrationPrompt(string Prompt, string Family, string? System, ImmutableArray<string> Answers, string? Topic = null)
{
    /// <summary>The conversation up to the response: optional system message, then the user prompt.</summary>
    public Transcript ToTranscript() => System is { Length: > 0 } system
        ? new Transcript([TranscriptMessage.System(system), TranscriptMessage.User(Prompt)])
        : new Transcript([TranscriptMessage.User(Prompt)]);
}
