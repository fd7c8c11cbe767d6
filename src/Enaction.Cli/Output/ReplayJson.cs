using System.Text.Json.Serialization;
using Enaction.Reporting.Inputs;
using Enaction.Reporting.Replay;

namespace Enaction.Cli.Output;

/// <summary>
/// The machine-readable form of <c>enaction replay</c>:
/// <c>{"policy","baseline","turns","outcome_changes","rules":[{"rule","candidate","baseline","in_candidate"}],
/// "actions":[{"action","baseline","candidate","added","removed"}],
/// "changes":[{"conversation_id","turn","line","before","after","stages":[{"stage","added":[],"removed":[]}]}]}</c>;
/// <c>before</c> and <c>after</c> are outcome words (<c>blocked</c>, <c>annotated</c>, ..., <c>pass</c>).
/// </summary>
public static class ReplayJson
{
    /// <summary>The document.</summary>
    public sealed record ReplayDocument(
        [property: JsonPropertyName("policy")] string Policy,
        [property: JsonPropertyName("baseline")] string Baseline,
        [property: JsonPropertyName("turns")] int Turns,
        [property: JsonPropertyName("outcome_changes")] int OutcomeChanges,
        [property: JsonPropertyName("rules")] IReadOnlyList<RuleRow> Rules,
        [property: JsonPropertyName("actions")] IReadOnlyList<ActionRow> Actions,
        [property: JsonPropertyName("changes")] IReadOnlyList<ChangeRow> Changes);

    /// <summary>How many turns a rule fired on.</summary>
    public sealed record RuleRow(
        [property: JsonPropertyName("rule")] string Name,
        [property: JsonPropertyName("candidate")] int Candidate,
        [property: JsonPropertyName("baseline")] int Baseline,
        [property: JsonPropertyName("in_candidate")] bool InCandidate);

    /// <summary>How many turns an action was decided on.</summary>
    public sealed record ActionRow(
        [property: JsonPropertyName("action")] string Name,
        [property: JsonPropertyName("baseline")] int Baseline,
        [property: JsonPropertyName("candidate")] int Candidate,
        [property: JsonPropertyName("added")] int Added,
        [property: JsonPropertyName("removed")] int Removed);

    /// <summary>A turn whose decision changed.</summary>
    public sealed record ChangeRow(
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("turn")] int Turn,
        [property: JsonPropertyName("line")] int Line,
        [property: JsonPropertyName("before")] string Before,
        [property: JsonPropertyName("after")] string After,
        [property: JsonPropertyName("stages")] IReadOnlyList<StageRow> Stages);

    /// <summary>The actions a stage gained and lost.</summary>
    public sealed record StageRow(
        [property: JsonPropertyName("stage")] string Name,
        [property: JsonPropertyName("added")] IReadOnlyList<string> Added,
        [property: JsonPropertyName("removed")] IReadOnlyList<string> Removed);

    /// <summary>Writes the document and a newline.</summary>
    public static void Write(TextWriter output, ReplayResult result) =>
        CliJson.Write(output, new ReplayDocument(result.Candidate, result.Baseline, result.Turns, result.OutcomeChanges.Count(),
            [.. result.Rules.Select(r => new RuleRow(r.Rule, r.Candidate, r.Baseline, r.InCandidate))],
            [.. result.Actions.Select(a => new ActionRow(RecordedTurns.ActionName(a.Action), a.Baseline, a.Candidate, a.Added, a.Removed))],
            [.. result.Changes.Select(c => new ChangeRow(c.ConversationId, c.Turn, c.Line, ReplayTable.Outcome(c.Before), ReplayTable.Outcome(c.After),
                [.. c.Stages.Select(s => new StageRow(RecordedTurns.StageName(s.Stage), [.. s.Added.Select(RecordedTurns.ActionName)], [.. s.Removed.Select(RecordedTurns.ActionName)]))]))]));
}
