using System.Collections.Immutable;
using Enaction.Policies;

namespace Enaction.Reporting.Replay;

/// <summary>What a candidate policy would change on recorded turns, against the policy that was in force.</summary>
/// <param name="Candidate">The candidate policy ("name version").</param>
/// <param name="Baseline">What it is compared with: "recorded decisions" or a baseline policy ("name version").</param>
/// <param name="Turns">Turns replayed.</param>
/// <param name="Rules">Per rule: on how many turns it fires, candidate and baseline.</param>
/// <param name="Actions">Per action kind (strictest first): turns deciding it, and stage decisions gaining or losing it.</param>
/// <param name="Changes">Turns whose decision changes, in input order.</param>
public sealed record ReplayResult(
    string Candidate,
    string Baseline,
    int Turns,
    ImmutableArray<RuleCount> Rules,
    ImmutableArray<ActionCount> Actions,
    ImmutableArray<TurnChange> Changes)
{
    /// <summary>Turns whose outcome (the strictest action) changes.</summary>
    public IEnumerable<TurnChange> OutcomeChanges => Changes.Where(c => c.Before != c.After);
}

/// <summary>How many turns a rule fires on.</summary>
/// <param name="Rule">The rule name.</param>
/// <param name="Candidate">Turns it fires on under the candidate (0 when the candidate has no such rule).</param>
/// <param name="Baseline">Turns it fired on under the baseline.</param>
/// <param name="InCandidate">Whether the candidate policy has the rule.</param>
public sealed record RuleCount(string Rule, int Candidate, int Baseline, bool InCandidate);

/// <summary>How one action kind changes.</summary>
/// <param name="Action">The action.</param>
/// <param name="Baseline">Turns deciding it under the baseline.</param>
/// <param name="Candidate">Turns deciding it under the candidate.</param>
/// <param name="Added">Stage decisions that gain it.</param>
/// <param name="Removed">Stage decisions that lose it.</param>
public sealed record ActionCount(PolicyActionKind Action, int Baseline, int Candidate, int Added, int Removed);

/// <summary>One turn whose decision changes.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Turn">The turn number.</param>
/// <param name="Line">The input line.</param>
/// <param name="Before">The strictest action under the baseline, or null for none.</param>
/// <param name="After">The strictest action under the candidate, or null for none.</param>
/// <param name="Stages">Per stage, the actions added and removed.</param>
public sealed record TurnChange(
    string ConversationId,
    int Turn,
    int Line,
    PolicyActionKind? Before,
    PolicyActionKind? After,
    ImmutableArray<StageChange> Stages);

/// <summary>Actions one stage gains and loses.</summary>
public sealed record StageChange(PolicyStage Stage, ImmutableArray<PolicyActionKind> Added, ImmutableArray<PolicyActionKind> Removed);
