namespace Enaction.Policies;

/// <summary>
/// One action a rule asks for. Actions compare by kind and parameters only: where an action was written
/// (<see cref="Location"/>) does not take part in equality, so the same action from two rules is one action.
/// </summary>
public abstract record PolicyAction
{
    /// <summary>Which built-in action this is, or <see cref="PolicyActionKind.Custom"/> for a host's own.</summary>
    public abstract PolicyActionKind Kind { get; }

    /// <summary>The name policy files use for it; its <see cref="Actions.ActionHandler"/> is registered under this name.</summary>
    public virtual string Name => PolicyActionNames.Of(Kind);

    /// <summary>Where the action was written, when it came from a file.</summary>
    public PolicySourceLocation? Location { get; init; }

    /// <summary>How strict the action is: block 4; strip, resample and verify 3; escalate 2; annotate 1; log 0.</summary>
    public virtual int Strictness => Kind switch
    {
        PolicyActionKind.Block => 4,
        PolicyActionKind.Strip or PolicyActionKind.Resample or PolicyActionKind.Verify => 3,
        PolicyActionKind.Escalate => 2,
        PolicyActionKind.Annotate => 1,
        _ => 0,
    };

    /// <inheritdoc />
    public virtual bool Equals(PolicyAction? other) => other is not null && EqualityContract == other.EqualityContract;

    /// <inheritdoc />
    public override int GetHashCode() => EqualityContract.GetHashCode();
}
