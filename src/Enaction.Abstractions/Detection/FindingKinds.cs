namespace Enaction.Detection;

/// <summary>The stable names of finding kinds, as they appear in JSON, policies and events.</summary>
public static class FindingKinds
{
    /// <summary>A window of the model's own tokens whose entropy sits far below the calibrated on-policy baseline.</summary>
    public const string OverconfidentSpan = "overconfident-span";
    /// <summary>An assistant turn whose entropy/surprisal signature says the model did not write it.</summary>
    public const string OffPolicy = "off-policy";
    /// <summary>An assistant turn with no valid attestation in the provenance ledger.</summary>
    public const string Unattested = "unattested";
    /// <summary>An assistant turn that was attested, but whose content has changed since.</summary>
    public const string Altered = "altered";
    /// <summary>
    /// A history assistant turn nobody could judge: not written by this pipeline, not attested, and its signature could
    /// not be computed (scoring failed or timed out). The policy's <c>unjudged</c> setting decides (default strip).
    /// </summary>
    public const string Unjudged = "unjudged";
    /// <summary>The model's own earlier output re-entering the context as user or tool content.</summary>
    public const string SelfEcho = "self-echo";
    /// <summary>An entropy jump at a prefill boundary or at the first response tokens: the cached intention was broken.</summary>
    public const string BrokenIntention = "broken-intention";
    /// <summary>The response reasons verbally that it is being tested, evaluated or watched.</summary>
    public const string EvaluationAwareness = "evaluation-awareness";
    /// <summary>A user, system or tool message carrying a chat template's turn or role markers: a smuggled turn.</summary>
    public const string RoleSmuggling = "role-smuggling";

    /// <summary>Every kind, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [OverconfidentSpan, OffPolicy, Unattested, Altered, Unjudged, SelfEcho, BrokenIntention, EvaluationAwareness, RoleSmuggling];
}
