using System.Globalization;
using Enaction.Policies;
using Enaction.Reporting.Inputs;
using Enaction.Reporting.Replay;
using Spectre.Console;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction replay</c>: rules fired, actions changed, turns whose outcome changes.</summary>
public static class ReplayTable
{
    /// <summary>Writes the tables.</summary>
    public static void Write(IAnsiConsole console, ReplayResult result)
    {
        var outcomes = result.OutcomeChanges.ToList();
        console.MarkupLine($"[bold]replay[/] {Markup.Escape(result.Candidate)}   [bold]against[/] {Markup.Escape(result.Baseline)}   [bold]turns[/] {result.Turns}");

        var rules = new Table().Border(TableBorder.Rounded).Title("Rules: turns each fires on");
        rules.AddColumn("rule");
        rules.AddColumn(new TableColumn("candidate").RightAligned());
        rules.AddColumn(new TableColumn("baseline").RightAligned());
        rules.AddColumn(new TableColumn("change").RightAligned());
        foreach (var r in result.Rules)
            rules.AddRow(Markup.Escape(r.Rule) + (r.InCandidate ? "" : " [dim](baseline only)[/]"), Count(r.Candidate), Count(r.Baseline), Delta(r.Candidate - r.Baseline));
        console.Write(rules);

        var actions = new Table().Border(TableBorder.Rounded).Title("Actions: turns deciding each, and stage decisions gaining or losing it");
        actions.AddColumn("action");
        actions.AddColumn(new TableColumn("baseline").RightAligned());
        actions.AddColumn(new TableColumn("candidate").RightAligned());
        actions.AddColumn(new TableColumn("added").RightAligned());
        actions.AddColumn(new TableColumn("removed").RightAligned());
        foreach (var a in result.Actions)
            actions.AddRow(RecordedTurns.ActionName(a.Action), Count(a.Baseline), Count(a.Candidate), a.Added == 0 ? "" : "+" + Count(a.Added), a.Removed == 0 ? "" : "-" + Count(a.Removed));
        console.Write(actions);

        if (result.Changes.IsEmpty)
        {
            console.MarkupLine("[green]No decision changes.[/]");
            return;
        }
        var changes = new Table().Border(TableBorder.Rounded)
            .Title($"Changed turns: {result.Changes.Length} change actions, {outcomes.Count} change outcome");
        changes.AddColumn("conversation");
        changes.AddColumn(new TableColumn("turn").RightAligned());
        changes.AddColumn(new TableColumn("line").RightAligned());
        changes.AddColumn("outcome");
        changes.AddColumn("request");
        changes.AddColumn("response");
        foreach (var c in result.Changes)
        {
            changes.AddRow(
                Markup.Escape(c.ConversationId),
                Count(c.Turn),
                Count(c.Line),
                c.Before == c.After ? $"[dim]{Outcome(c.Before)}[/]" : $"{Outcome(c.Before)} → [bold]{Outcome(c.After)}[/]",
                Stage(c, PolicyStage.Request),
                Stage(c, PolicyStage.Response));
        }
        console.Write(changes);
        foreach (var group in outcomes.GroupBy(c => c.After).OrderByDescending(g => g.Key))
            console.MarkupLine($"{group.Count()} turn(s) now [bold]{Outcome(group.Key)}[/] ({string.Join(", ", group.GroupBy(c => c.Before).Select(b => $"{b.Count()} from {Outcome(b.Key)}"))})");
    }

    /// <summary>The turn's outcome word: the strictest action, or "pass" when nothing was decided.</summary>
    internal static string Outcome(PolicyActionKind? kind) => kind switch
    {
        null => "pass",
        PolicyActionKind.Block => "blocked",
        PolicyActionKind.Strip => "stripped",
        PolicyActionKind.Resample => "resampled",
        PolicyActionKind.Verify => "verified",
        PolicyActionKind.Escalate => "escalated",
        PolicyActionKind.Annotate => "annotated",
        _ => "logged",
    };

    private static string Stage(TurnChange change, PolicyStage stage)
    {
        var s = change.Stages.FirstOrDefault(x => x.Stage == stage);
        if (s is null) return "";
        return string.Join(' ', s.Added.Select(a => "[green]+" + RecordedTurns.ActionName(a) + "[/]")
            .Concat(s.Removed.Select(a => "[red]-" + RecordedTurns.ActionName(a) + "[/]")));
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Delta(int d) => d switch { 0 => "", > 0 => "+" + Count(d), _ => Count(d) };
}
