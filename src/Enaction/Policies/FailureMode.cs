namespace Enaction.Policies;

/// <summary>What a policy does when scoring fails or runs past its time limit (YAML <c>mode</c>).</summary>
public enum FailureMode
{
    /// <summary><c>fail-open</c>: the response goes through unchanged, and the failure is reported.</summary>
    FailOpen,
    /// <summary><c>fail-closed</c>: the response is treated as if a <c>block</c> action had matched.</summary>
    FailClosed,
}
