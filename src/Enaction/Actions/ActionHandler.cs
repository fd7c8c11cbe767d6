using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>
/// One policy action, keyed by the name policy files use for it: how its settings are read when a policy loads, and
/// what it does when a decision asks for it. The built-in actions (<see cref="PolicyActionNames.BuiltIn"/>) are
/// handlers too; a host adds its own with <see cref="ActionHandlerRegistry.Add"/> (or <c>AddEnactionAction&lt;T&gt;()</c>
/// in Enaction.Extensions.AI), and the policy loader then accepts the name and rejects any other.
/// </summary>
public abstract class ActionHandler
{
    /// <summary>The name policy files write (<c>- notify</c>, <c>- notify: {channel: ops}</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Where this action sorts in a decision, strictest first: 4 like block, 3 like strip or verify, 2 like escalate,
    /// 1 like annotate, 0 like log (the default). Actions of equal strictness keep built-ins first, then rule order.
    /// </summary>
    public virtual int Strictness => 0;

    /// <summary>
    /// Reads the action's settings when the policy loads; throw through <see cref="ActionSettings"/> to reject a bad
    /// one with its file and line. The default accepts text settings and returns a <see cref="CustomAction"/>.
    /// </summary>
    public virtual PolicyAction Read(ActionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new CustomAction(Name, settings.AllText(), Math.Clamp(Strictness, 0, 4)) { Location = settings.Location };
    }

    /// <summary>
    /// Executes the action at a request or response stage. Report what happened with <see cref="ActionContext.Complete"/>
    /// (an action that completes nothing is recorded as <see cref="ActionOutcome.Outcomes.NotApplicable"/>).
    /// </summary>
    public abstract Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken);
}
