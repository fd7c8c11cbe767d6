using System.Collections.Immutable;

namespace Enaction.Policies;

/// <summary>One rule: the findings it matches and the actions it asks for when it matches at least one.</summary>
/// <param name="Name">Unique within the policy.</param>
/// <param name="Match">The criteria a finding must meet.</param>
/// <param name="Actions">At least one action, in the order written.</param>
public sealed record PolicyRule(string Name, RuleMatch Match, ImmutableArray<PolicyAction> Actions)
{
    /// <summary>Free text (YAML <c>description</c>).</summary>
    public string? Description { get; init; }

    /// <summary>Where the rule was written, when it came from a file.</summary>
    public PolicySourceLocation? Location { get; init; }
}
