using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Policies;

/// <summary>
/// The criteria a finding must meet for a rule to match it (YAML <c>match</c>). Every criterion must hold; an
/// empty list or an open bound means "any".
/// </summary>
/// <param name="Kinds">Finding kinds (<see cref="FindingKinds"/>); empty matches every kind.</param>
/// <param name="MinSeverity">The least severity that matches (default <see cref="Severity.Low"/>).</param>
/// <param name="Score">The range the finding's score must fall in (inclusive).</param>
/// <param name="Agents">Agent name patterns (<c>*</c> allowed, case ignored); empty matches any agent.</param>
/// <param name="Functions">Function name patterns (<c>*</c> allowed, case ignored); empty matches any function.</param>
/// <param name="Stage">The stage the findings must come from (default <see cref="PolicyStage.Any"/>).</param>
public sealed record RuleMatch(
    ImmutableArray<string> Kinds,
    Severity MinSeverity,
    ScoreRange Score,
    ImmutableArray<string> Agents,
    ImmutableArray<string> Functions,
    PolicyStage Stage)
{
    /// <summary>Criteria that match every finding.</summary>
    public static RuleMatch Any { get; } = new([], Severity.Low, ScoreRange.Any, [], [], PolicyStage.Any);

    /// <summary>
    /// Whether <paramref name="finding"/>, made in <paramref name="context"/>, meets every criterion. When
    /// <see cref="Agents"/> or <see cref="Functions"/> is set and the context has no such name, only a pattern
    /// that matches the empty name (<c>*</c>) matches.
    /// </summary>
    public bool Matches(Finding finding, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(context);
        if (!Kinds.IsDefaultOrEmpty && !Kinds.Contains(finding.Kind, StringComparer.Ordinal)) return false;
        if (finding.Severity < MinSeverity) return false;
        if (!Score.Contains(finding.Score)) return false;
        if (Stage != PolicyStage.Any && Stage != context.Stage) return false;
        if (!Agents.IsDefaultOrEmpty && !NameGlob.MatchesAny(Agents, context.Agent)) return false;
        if (!Functions.IsDefaultOrEmpty && !NameGlob.MatchesAny(Functions, context.Function)) return false;
        return true;
    }
}
