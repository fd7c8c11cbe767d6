namespace Enaction.Policies;

/// <summary>A changed policy file was invalid or unreadable; the last good policy stays in force.</summary>
public sealed class PolicyRejectedEventArgs(PolicyValidationException error, Policy inForce) : EventArgs
{
    /// <summary>The full error, with location.</summary>
    public PolicyValidationException Error { get; } = error;
    /// <summary>The policy file.</summary>
    public string File => Error.File;
    /// <summary>1-based line of the problem, when known.</summary>
    public long? Line => Error.Line;
    /// <summary>1-based column of the problem, when known.</summary>
    public long? Column => Error.Column;
    /// <summary>What was wrong and what was expected.</summary>
    public string Problem => Error.Problem;
    /// <summary>The last good policy, still in force.</summary>
    public Policy InForce { get; } = inForce;
}
