namespace Enaction.Monitoring;

/// <summary>The conversation a call belongs to.</summary>
/// <param name="Id">Keys the scoring session, the provenance ledger and the audit record.</param>
/// <param name="IsDerived">
/// True when the host named no conversation and the id was derived from the opening messages. Two users who open
/// with the same system prompt and question share such an id, so the monitor neither attests nor verifies under it
/// unless <see cref="ConversationMonitorOptions.AttestDerivedConversationIds"/> says to.
/// </param>
public readonly record struct ConversationIdentity(string Id, bool IsDerived)
{
    /// <summary>An id the host named explicitly.</summary>
    public static implicit operator ConversationIdentity(string id) => new(id, IsDerived: false);
}
