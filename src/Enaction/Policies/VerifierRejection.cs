namespace Enaction.Policies;

/// <summary>What happens when a verifier rejects the response (YAML <c>on_reject</c>).</summary>
public enum VerifierRejection
{
    /// <summary><c>block</c>: the rejected response is blocked with the default replacement.</summary>
    Block,
    /// <summary><c>annotate</c>: the response goes through with the verdict in its metadata.</summary>
    Annotate,
}
