using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Policies;

/// <summary>A rule that matched, and the findings it matched, in input order.</summary>
public sealed record MatchedRule(PolicyRule Rule, ImmutableArray<Finding> Findings);
