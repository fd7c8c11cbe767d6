namespace Enaction.Actions;

/// <summary>Keys the monitor writes into <c>ChatResponse.AdditionalProperties</c> (SK: <c>ChatMessageContent.Metadata</c>).</summary>
public static class ResponseMetadata
{
    /// <summary>The response-stage <see cref="Monitoring.TurnVerdict"/> (request-stage when the model was not called). Always set.</summary>
    public const string Verdict = "enaction.verdict";
    /// <summary>All findings of the call (request and response), as <c>IReadOnlyList&lt;Finding&gt;</c>. Set by <c>annotate</c>.</summary>
    public const string Findings = "enaction.findings";
    /// <summary>Finding kinds, comma-separated. Set by <c>annotate</c>.</summary>
    public const string FindingKinds = "enaction.finding_kinds";
    /// <summary>Executed actions and outcomes, as <c>IReadOnlyList&lt;ActionOutcome&gt;</c>. Always set.</summary>
    public const string Actions = "enaction.actions";
    /// <summary><c>true</c> when the response was blocked (text replaced, or in streaming withheld from attestation).</summary>
    public const string Blocked = "enaction.blocked";
    /// <summary>Prefix of per-verifier results: <c>enaction.verifier.{name}</c> = "approved" / "rejected: reason".</summary>
    public const string VerifierPrefix = "enaction.verifier.";
    /// <summary>Messages removed from the request by <c>strip</c>, as their indices.</summary>
    public const string Stripped = "enaction.stripped";
    /// <summary>Messages whose smuggled turn and role markers <c>strip</c> removed, as their indices.</summary>
    public const string StrippedMarkers = "enaction.stripped_markers";
}
