namespace Enaction.Policies;

/// <summary><c>strip</c>: remove unattested assistant turns from the history before the call is made.</summary>
public sealed record StripAction : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Strip;
}
