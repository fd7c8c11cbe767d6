using System.Text.Json;
using Enaction.Reporting.Inputs;
using Enaction.Reporting.Replay;

namespace Enaction.Cli.Output;

/// <summary>
/// The machine-readable form of <c>enaction replay</c>:
/// <c>{"policy","baseline","turns","rules":[{"rule","candidate","baseline","in_candidate"}],
/// "actions":[{"action","baseline","candidate","added","removed"}],
/// "changes":[{"conversation_id","turn","line","before","after","stages":[{"stage","added":[],"removed":[]}]}]}</c>;
/// <c>before</c> and <c>after</c> are outcome words (<c>blocked</c>, <c>annotated</c>, ..., <c>pass</c>).
/// </summary>
public static class ReplayJson
{
    /// <summary>Writes the document and a newline.</summary>
    public static void Write(TextWriter output, ReplayResult result)
    {
        CliJson.Write(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("policy", result.Candidate);
            w.WriteString("baseline", result.Baseline);
            w.WriteNumber("turns", result.Turns);
            w.WriteNumber("outcome_changes", result.OutcomeChanges.Count());
            w.WriteStartArray("rules");
            foreach (var r in result.Rules)
            {
                w.WriteStartObject();
                w.WriteString("rule", r.Rule);
                w.WriteNumber("candidate", r.Candidate);
                w.WriteNumber("baseline", r.Baseline);
                w.WriteBoolean("in_candidate", r.InCandidate);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("actions");
            foreach (var a in result.Actions)
            {
                w.WriteStartObject();
                w.WriteString("action", RecordedTurns.ActionName(a.Action));
                w.WriteNumber("baseline", a.Baseline);
                w.WriteNumber("candidate", a.Candidate);
                w.WriteNumber("added", a.Added);
                w.WriteNumber("removed", a.Removed);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("changes");
            foreach (var c in result.Changes)
            {
                w.WriteStartObject();
                w.WriteString("conversation_id", c.ConversationId);
                w.WriteNumber("turn", c.Turn);
                w.WriteNumber("line", c.Line);
                w.WriteString("before", ReplayTable.Outcome(c.Before));
                w.WriteString("after", ReplayTable.Outcome(c.After));
                w.WriteStartArray("stages");
                foreach (var s in c.Stages)
                {
                    w.WriteStartObject();
                    w.WriteString("stage", RecordedTurns.StageName(s.Stage));
                    w.WriteStartArray("added");
                    foreach (var k in s.Added) w.WriteStringValue(RecordedTurns.ActionName(k));
                    w.WriteEndArray();
                    w.WriteStartArray("removed");
                    foreach (var k in s.Removed) w.WriteStringValue(RecordedTurns.ActionName(k));
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
