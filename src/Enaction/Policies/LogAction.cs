namespace Enaction.Policies;

/// <summary><c>log</c>: record the matched findings. Never changes a request or a response.</summary>
public sealed record LogAction : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Log;
}
