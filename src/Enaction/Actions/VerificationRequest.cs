using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Transcripts;

namespace Enaction.Actions;

/// <summary>What a verifier is asked to judge.</summary>
/// <param name="Verifier">The name the policy used.</param>
/// <param name="Transcript">The request and the response.</param>
/// <param name="Response">The response text under judgement.</param>
/// <param name="Verdict">The monitor's verdict on it.</param>
public sealed record VerificationRequest(string Verifier, Transcript Transcript, string Response, TurnVerdict Verdict)
{
    /// <summary>The findings that led to verification.</summary>
    public IReadOnlyList<Finding> Findings => Verdict.Findings;
}

/// <summary>A verifier's answer.</summary>
/// <param name="Approved">True to let the response through.</param>
/// <param name="Reason">Why, for events and metadata.</param>
public sealed record VerificationResult(bool Approved, string? Reason = null)
{
    /// <summary>Approve.</summary>
    public static VerificationResult Approve(string? reason = null) => new(true, reason);

    /// <summary>Reject.</summary>
    public static VerificationResult Reject(string? reason = null) => new(false, reason);
}
