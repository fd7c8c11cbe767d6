namespace Enaction.Provenance;

/// <summary>
/// The ledger's record that the monitored pipeline produced one assistant message. It holds keyed fingerprints of
/// the content and of the history it answered, never the text itself.
/// </summary>
/// <param name="Tenant">The tenant whose key signed the record (<c>Tenant</c>); keys are derived
/// per tenant, so a record copied into another tenant's store does not verify there.</param>
/// <param name="ConversationId">The conversation the message belongs to.</param>
/// <param name="MessageIndex">The 0-based position of the message in that conversation's transcript.</param>
/// <param name="ModelId">The model that wrote the message.</param>
/// <param name="ContentMac">HMAC-SHA256 of the exact content, as lower-case hex; the same content gives the same value
/// in every conversation of a tenant, which is what makes replays findable.</param>
/// <param name="HistoryMac">HMAC-SHA256, as lower-case hex, of every message before this one (role and content): the
/// request the message answered. Editing that history under the message makes it <c>Altered</c>.</param>
/// <param name="CreatedAt">When the message was attested, to the microsecond.</param>
/// <param name="RecordMac">HMAC-SHA256, as lower-case hex, over every other field (length-prefixed): a row edited or
/// inserted without the key does not verify.</param>
public sealed record Attestation(
    string Tenant,
    string ConversationId,
    int MessageIndex,
    string ModelId,
    string ContentMac,
    string HistoryMac,
    DateTimeOffset CreatedAt,
    string RecordMac);
