using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Reporting.Inputs;

/// <summary>Conversions between audit records and the Core types policies and detectors work on.</summary>
public static class RecordedTurns
{
    /// <summary>The stage a record names, or null for an unknown name.</summary>
    public static PolicyStage? ParseStage(string name) =>
        EnumNames.TryParse<PolicyStage>(name, out var stage) && stage != PolicyStage.Any ? stage : null;

    /// <summary>The stage's name as records and policies write it.</summary>
    public static string StageName(PolicyStage stage) => EnumNames.Name(stage);

    /// <summary>The severity a record names, or null.</summary>
    public static Severity? ParseSeverity(string name) => EnumNames.TryParse<Severity>(name, out var severity) ? severity : null;

    /// <summary>The action kind a record names ("block", "log", ...), or null.</summary>
    public static PolicyActionKind? ParseAction(string name) =>
        PolicyActionNames.KindOf(name) is var kind && kind != PolicyActionKind.Custom ? kind : null;

    /// <summary>The action's name as written in policy files.</summary>
    public static string ActionName(PolicyActionKind kind) => PolicyActionNames.Of(kind);

    /// <summary>The recorded messages as a transcript (validated by <see cref="TurnInputReader"/>).</summary>
    public static Transcript ToTranscript(TurnRecord record) =>
        new(record.Messages.Select(m => new TranscriptMessage(ParseRole(m.Role), m.Content, m.Name) { Model = m.Model }));

    /// <summary>A recorded finding as a <see cref="Finding"/> (the detail is not recorded).</summary>
    public static Finding ToFinding(RecordedFinding f) => f.ToFinding();

    /// <summary>
    /// A record for a transcript that was scored and detected here rather than by a running monitor: findings on a
    /// final assistant message belong to the response stage, the rest to the request stage; no decision is recorded.
    /// </summary>
    /// <param name="id">The conversation id to show (for example the input line).</param>
    /// <param name="scores">The scored transcript.</param>
    /// <param name="findings">The detectors' findings on it.</param>
    /// <param name="time">The time to stamp.</param>
    public static TurnRecord FromDetection(string id, ScoredTranscript scores, IReadOnlyList<Finding> findings, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(findings);
        var transcript = scores.Transcript;
        var last = transcript.Count - 1;
        var responds = transcript[last].Role == MessageRole.Assistant;
        var summary = scores.MessageScores()
            .Select(s => new RecordedScore(s.Message, s.Tokens, Math.Round(s.MeanEntropy, 4), Math.Round(s.MeanSurprisal, 4)))
            .ToArray();

        RecordedStage Stage(PolicyStage stage, IEnumerable<Finding> stageFindings) => new()
        {
            Stage = StageName(stage),
            Policy = "none",
            Rules = [],
            Decision = [],
            Findings = stageFindings.Select(f => RecordedFinding.From(f)).ToArray(),
            Scores = summary,
            Tokens = scores.Tokens.Length,
            ComputedTokens = scores.Tokens.Length,
        };

        var stages = new List<RecordedStage> { Stage(PolicyStage.Request, findings.Where(f => !responds || f.Message < last)) };
        if (responds) stages.Add(Stage(PolicyStage.Response, findings.Where(f => f.Message == last)));
        return new TurnRecord
        {
            Time = time,
            ConversationId = id,
            Turn = 1,
            Model = scores.ModelId,
            Messages = transcript.Messages.Select(RecordedMessage.From).ToArray(),
            Generated = responds ? [last] : [],
            Stages = stages,
            Actions = [],
        };
    }

    private static MessageRole ParseRole(string name) =>
        MessageRoles.TryParse(name, out var role) ? role : throw new ArgumentException($"unknown role \"{name}\"", nameof(name));
}
