namespace Enaction.Policies;

/// <summary>Which candidate a <see cref="ResampleAction"/> keeps (YAML <c>keep</c>).</summary>
public enum ResampleKeep
{
    /// <summary><c>lowest-risk</c>: the candidate whose re-scored findings are the least severe.</summary>
    LowestRisk,
    /// <summary><c>most-consistent</c>: the candidate that agrees most with the others.</summary>
    MostConsistent,
}
