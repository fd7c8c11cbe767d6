using System.Text.Json.Serialization;
using Enaction.Scoring;
using Enaction.Detection;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>One line of the audit trail: the transcript, score summary, findings, decision and the actions taken.</summary>
public sealed record TurnRecord
{
    /// <summary>Format version of the record.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>When the turn completed.</summary>
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
    /// <summary>The conversation.</summary>
    [JsonPropertyName("conversation_id")] public required string ConversationId { get; init; }
    /// <summary>The turn number.</summary>
    [JsonPropertyName("turn")] public required int Turn { get; init; }
    /// <summary>The agent, when known.</summary>
    [JsonPropertyName("agent")] public string? Agent { get; init; }
    /// <summary>The function, when known.</summary>
    [JsonPropertyName("function")] public string? Function { get; init; }
    /// <summary>The generator model, when known.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>The transcript as returned to the host, in the transcript JSON shape.</summary>
    [JsonPropertyName("messages")] public required IReadOnlyList<RecordedMessage> Messages { get; init; }
    /// <summary>
    /// Whose distribution scored each assistant message (generator and source); null in records written before it
    /// existed.
    /// </summary>
    [JsonPropertyName("scoring"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<MessageScoring>? Scoring { get; init; }
    /// <summary>Indices of messages the pipeline generated.</summary>
    [JsonPropertyName("generated")] public required IReadOnlyList<int> Generated { get; init; }
    /// <summary>One entry per stage monitored.</summary>
    [JsonPropertyName("stages")] public required IReadOnlyList<RecordedStage> Stages { get; init; }
    /// <summary>Actions executed, in order.</summary>
    [JsonPropertyName("actions")] public required IReadOnlyList<RecordedAction> Actions { get; init; }
}

/// <summary>A message in a <see cref="TurnRecord"/>.</summary>
public sealed record RecordedMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name)
{
    /// <summary>The model that generated the message, when known (an assistant message's <see cref="TranscriptMessage.Model"/>).</summary>
    [JsonPropertyName("model"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Model { get; init; }

    /// <summary>Copies a transcript message.</summary>
    public static RecordedMessage From(TranscriptMessage message) => new(message.Role.ToName(), message.Content, message.Name) { Model = message.Model };
}

/// <summary>The verdict of one stage in a <see cref="TurnRecord"/>.</summary>
public sealed record RecordedStage
{
    /// <summary>request or response.</summary>
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    /// <summary>Policy name and version.</summary>
    [JsonPropertyName("policy")] public required string Policy { get; init; }
    /// <summary>Rules that matched.</summary>
    [JsonPropertyName("rules")] public required IReadOnlyList<string> Rules { get; init; }
    /// <summary>Actions decided, in order.</summary>
    [JsonPropertyName("decision")] public required IReadOnlyList<string> Decision { get; init; }
    /// <summary>Findings.</summary>
    [JsonPropertyName("findings")] public required IReadOnlyList<RecordedFinding> Findings { get; init; }
    /// <summary>Per-message mean entropy and surprisal.</summary>
    [JsonPropertyName("scores")] public required IReadOnlyList<RecordedScore> Scores { get; init; }
    /// <summary>Tokens in the transcript.</summary>
    [JsonPropertyName("tokens")] public int Tokens { get; init; }
    /// <summary>Tokens computed for this stage (the rest came from the session cache).</summary>
    [JsonPropertyName("computed_tokens")] public int ComputedTokens { get; init; }
    /// <summary>Milliseconds spent.</summary>
    [JsonPropertyName("latency_ms")] public double LatencyMs { get; init; }
    /// <summary>Whether scoring failed.</summary>
    [JsonPropertyName("scoring_failed")] public bool ScoringFailed { get; init; }
    /// <summary>Why scoring failed.</summary>
    [JsonPropertyName("failure"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Failure { get; init; }
}

/// <summary>
/// A finding as JSON: the one shape the audit record, the <c>detect --json</c> output and the events share.
/// Statistics are rounded to 6 decimals and are null where they do not exist (JSON has no NaN).
/// </summary>
/// <param name="Kind">The finding kind.</param>
/// <param name="Severity">Its severity (<c>low</c>, <c>medium</c>, <c>high</c>); null only in a record that lacks it.</param>
/// <param name="Score">The statistic, or null when the finding has none.</param>
/// <param name="Threshold">The threshold it crossed, or null.</param>
/// <param name="Message">The message it is about.</param>
/// <param name="Start">Where in the message it starts.</param>
/// <param name="End">Where it ends (exclusive).</param>
/// <param name="Detail">The detector's detail, sorted by key; null (left out) where it is not written, as in audit records.</param>
public sealed record RecordedFinding(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] Severity? Severity,
    [property: JsonPropertyName("score")] double? Score,
    [property: JsonPropertyName("threshold")] double? Threshold,
    [property: JsonPropertyName("message")] int Message,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("end")] int End,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, object?>? Detail = null)
{
    /// <summary>The JSON form of <paramref name="finding"/>; <paramref name="withDetail"/> adds its detail.</summary>
    public static RecordedFinding From(Finding finding, bool withDetail = false)
    {
        ArgumentNullException.ThrowIfNull(finding);
        SortedDictionary<string, object?>? detail = null;
        if (withDetail)
        {
            detail = new SortedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in finding.Detail) detail[key] = JsonValue(value);
        }
        return new RecordedFinding(finding.Kind, finding.Severity, Round(finding.Score), Round(finding.Threshold),
            finding.Message, finding.Start, finding.End, detail);
    }

    /// <summary>The finding this describes (a missing statistic is NaN).</summary>
    public Finding ToFinding() =>
        new(Kind, Severity ?? Detection.Severity.Low, Score ?? double.NaN, Threshold ?? double.NaN, Message, Start, End);

    /// <summary><paramref name="value"/> rounded to 6 decimals, or null when it is not finite: the rule for every statistic written as JSON.</summary>
    public static double? Round(double value) => double.IsFinite(value) ? Math.Round(value, 6) : null;

    /// <summary>A detail value as JSON can hold it: numbers rounded (null when not finite), other values as invariant text.</summary>
    private static object? JsonValue(object? value) => value switch
    {
        null or string or bool or int or long => value,
        double d => Round(d),
        float f => Round(f),
        IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>A message score summary in a <see cref="TurnRecord"/>.</summary>
public sealed record RecordedScore(
    [property: JsonPropertyName("message")] int Message,
    [property: JsonPropertyName("tokens")] int Tokens,
    [property: JsonPropertyName("mean_entropy")] double MeanEntropy,
    [property: JsonPropertyName("mean_surprisal")] double MeanSurprisal);

/// <summary>An executed action in a <see cref="TurnRecord"/>.</summary>
public sealed record RecordedAction(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail);
