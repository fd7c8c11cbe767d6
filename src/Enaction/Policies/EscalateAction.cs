namespace Enaction.Policies;

/// <summary><c>escalate</c>: call the callback the host registered under <see cref="Callback"/>, and raise an event.</summary>
public sealed record EscalateAction(string Callback) : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Escalate;
}
