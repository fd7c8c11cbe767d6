namespace Enaction.Policies;

/// <summary><c>verify</c>: ask the verifier the host registered under <see cref="Verifier"/>.</summary>
/// <param name="Verifier">The registered name (an <c>IChatClient</c>, a kernel function or an HTTP endpoint).</param>
/// <param name="OnReject">What a rejection does (<c>on_reject</c>, default <c>block</c>).</param>
public sealed record VerifyAction(string Verifier, VerifierRejection OnReject) : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Verify;
}
