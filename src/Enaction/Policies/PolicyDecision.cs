using System.Collections.Immutable;

namespace Enaction.Policies;

/// <summary>
/// What a policy decided for one set of findings: the rules that matched, and the resolved actions, strictest
/// first (see <see cref="PolicyEngine"/> for the ordering and how conflicts resolve).
/// </summary>
/// <param name="PolicyName">The deciding policy's name.</param>
/// <param name="PolicyVersion">The deciding policy's version.</param>
/// <param name="Mode">The policy's failure mode, for the executor to apply if scoring failed.</param>
/// <param name="Budgets">The policy's per-call budgets, for the executor to spend.</param>
/// <param name="MatchedRules">Each matched rule with its findings, in rule order.</param>
/// <param name="Actions">The actions to take, de-duplicated and ordered strictest first.</param>
public sealed record PolicyDecision(
    string PolicyName,
    string PolicyVersion,
    FailureMode Mode,
    PolicyBudgets Budgets,
    ImmutableArray<MatchedRule> MatchedRules,
    ImmutableArray<PolicyAction> Actions)
{
    /// <summary>Whether no rule matched.</summary>
    public bool IsEmpty => Actions.IsDefaultOrEmpty;

    /// <summary>
    /// What <paramref name="policy"/> decides when scoring failed or timed out: fail-closed blocks with the default
    /// replacement (and logs); fail-open lets the turn through and logs, except that history assistant turns nobody
    /// could judge (<paramref name="unjudged"/>) get the policy's <see cref="Policy.Unjudged"/> treatment (default:
    /// strip). The monitor and replay share it.
    /// </summary>
    public static PolicyDecision ForScoringFailure(Policy policy, bool unjudged = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ImmutableArray<PolicyAction> actions = policy.Mode == FailureMode.FailClosed
            ? [new BlockAction(null, false), new LogAction()]
            : !unjudged ? [new LogAction()]
            : policy.Unjudged switch
            {
                UnjudgedTurns.Strip => [new StripAction(), new LogAction()],
                UnjudgedTurns.Block => [new BlockAction(null, false), new LogAction()],
                _ => [new LogAction()],
            };
        return new PolicyDecision(policy.Name, policy.Version, policy.Mode, policy.Budgets, [], actions);
    }

    /// <summary>The block action, when the decision blocks.</summary>
    public BlockAction? Block => Actions.OfType<BlockAction>().FirstOrDefault();

    /// <summary>The actions of one type, in decision order.</summary>
    public IEnumerable<T> ActionsOf<T>() where T : PolicyAction => Actions.OfType<T>();
}
