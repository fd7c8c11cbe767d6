using System.Collections.Immutable;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// One prompt of a calibration or evaluation prompt file:
/// <c>{"prompt":"...","family":"open-ended","system":"...","topic":"...","answers":["corpus answer", ...],
/// "shape":"multi-turn","history":["an earlier request", ...],"tool_call":"call lookup({...})","tool_result":"..."}</c>.
/// </summary>
/// <param name="Prompt">The user message.</param>
/// <param name="Family">The prompt family (open-ended, arithmetic, ...).</param>
/// <param name="System">An optional system message.</param>
/// <param name="Answers">Reference answers from the training corpus (off-policy text the model was trained towards).</param>
/// <param name="Topic">What the prompt is about, when known: cross-prompt swaps and prefills pick a prompt with a different topic.</param>
public sealed record CalibrationPrompt(string Prompt, string Family, string? System, ImmutableArray<string> Answers, string? Topic = null)
{
    /// <summary>The conversation shape the prompt stands for (<see cref="ConversationShapes"/>); "single" by default.</summary>
    public string Shape { get; init; } = ConversationShapes.Single;

    /// <summary>
    /// Earlier requests of the same conversation, in order. The dataset builder has the model answer each one itself
    /// before the prompt, so the history is the model's own (a multi-turn conversation of its own answers).
    /// </summary>
    public ImmutableArray<string> History { get; init; } = [];

    /// <summary>An assistant tool call made after the prompt and before the answer (with <see cref="ToolResult"/>), or null.</summary>
    public string? ToolCall { get; init; }

    /// <summary>The tool's result that follows <see cref="ToolCall"/>.</summary>
    public string? ToolResult { get; init; }

    /// <summary>The conversation up to the response: optional system message, then the user prompt.</summary>
    public Transcript ToTranscript() => ToTranscript([]);

    /// <summary>
    /// The conversation up to the response: optional system message, each earlier request with its answer from
    /// <paramref name="historyAnswers"/> (the model's own, one per <see cref="History"/> entry), the user prompt, then the
    /// tool call and its result when the prompt has one.
    /// </summary>
    public Transcript ToTranscript(IReadOnlyList<string> historyAnswers)
    {
        ArgumentNullException.ThrowIfNull(historyAnswers);
        var messages = new List<TranscriptMessage>();
        if (System is { Length: > 0 } system) messages.Add(TranscriptMessage.System(system));
        for (var i = 0; i < Math.Min(History.Length, historyAnswers.Count); i++)
        {
            messages.Add(TranscriptMessage.User(History[i]));
            messages.Add(TranscriptMessage.Assistant(historyAnswers[i]));
        }
        messages.Add(TranscriptMessage.User(Prompt));
        if (ToolCall is { Length: > 0 } call)
        {
            messages.Add(TranscriptMessage.Assistant(call));
            messages.Add(TranscriptMessage.Tool(ToolResult ?? ""));
        }
        return new Transcript([.. messages]);
    }
}
