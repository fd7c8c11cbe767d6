using Enaction.Monitoring;

namespace Enaction.Actions;

/// <summary>Thrown to the caller when a policy blocks a turn with <c>block: { throw: true }</c> (or fail-closed asks for it).</summary>
public sealed class EnactionBlockedException : Exception
{
    /// <summary>Creates the exception for <paramref name="verdict"/>.</summary>
    public EnactionBlockedException(TurnVerdict verdict, string? reason = null)
        : base(reason ?? $"Turn {verdict?.Turn} of conversation {verdict?.ConversationId} was blocked by policy {verdict?.Decision.PolicyName} ({Describe(verdict)}).")
    {
        Verdict = verdict ?? throw new ArgumentNullException(nameof(verdict));
    }

    /// <summary>The verdict that blocked: findings, decision, scores.</summary>
    public TurnVerdict Verdict { get; }

    private static string Describe(TurnVerdict? verdict) =>
        verdict is null ? "" : verdict.ScoringFailed ? "scoring failed and the policy is fail-closed"
        : verdict.Findings.Count == 0 ? "no findings" : string.Join(", ", verdict.Findings.Select(f => f.Kind).Distinct());
}
