namespace Enaction.Policies;

/// <summary>
/// The kinds of action, declared from the least to the most strict (custom actions first: their strictness is their handler's). <see cref="PolicyEngine"/> orders a decision's
/// actions from the strictest down: block, then strip, resample, verify, then escalate, annotate, log.
/// </summary>
public enum PolicyActionKind
{
    /// <summary>An action a host registered (an <see cref="Actions.ActionHandler"/>); its name is <see cref="PolicyAction.Name"/>.</summary>
    Custom = -1,
    /// <summary><c>log</c>: record the findings; never changes anything.</summary>
    Log,
    /// <summary><c>annotate</c>: add metadata keys to the response.</summary>
    Annotate,
    /// <summary><c>escalate</c>: call a host-registered callback and raise an event.</summary>
    Escalate,
    /// <summary><c>verify</c>: ask a host-registered verifier; its verdict decides.</summary>
    Verify,
    /// <summary><c>resample</c>: generate again and keep the best candidate.</summary>
    Resample,
    /// <summary><c>strip</c>: remove unattested assistant turns from the history before the call.</summary>
    Strip,
    /// <summary><c>block</c>: replace the response, or throw.</summary>
    Block,
}
