namespace Enaction.Policies;

/// <summary>
/// What a policy does with an assistant turn in the request that could not be judged (YAML <c>unjudged</c>): the
/// pipeline did not write it, the ledger does not attest it (or there is no ledger), and its signature could not be
/// computed because scoring failed or ran past the policy's time limit.
/// </summary>
public enum UnjudgedTurns
{
    /// <summary><c>strip</c> (default): the turn is removed before the model call, as an untrusted turn.</summary>
    Strip,
    /// <summary><c>block</c>: the call is blocked.</summary>
    Block,
    /// <summary><c>keep</c>: the turn goes through; the finding and the event still report it.</summary>
    Keep,
}
