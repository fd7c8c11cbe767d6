namespace Enaction.Policies;

/// <summary>
/// Per-call limits (YAML <c>budgets</c>). The engine passes them on in every <see cref="PolicyDecision"/>; the
/// executor spends them.
/// </summary>
/// <param name="MaxResamplesPerCall">Most extra generations one call may make (<c>max_resamples_per_call</c>, default 2).</param>
/// <param name="MaxVerificationsPerCall">Most verifier calls one call may make (<c>max_verifications_per_call</c>, default 1).</param>
/// <param name="ScoringTimeout">How long scoring may take before the policy's <see cref="FailureMode"/> applies (<c>scoring_timeout</c>, default 2s).</param>
public sealed record PolicyBudgets(int MaxResamplesPerCall, int MaxVerificationsPerCall, TimeSpan ScoringTimeout)
{
    /// <summary>The budgets of a policy that has no <c>budgets</c> section: 2 resamples, 1 verification, 2 s.</summary>
    public static PolicyBudgets Default { get; } = new(2, 1, TimeSpan.FromSeconds(2));
}
