namespace Enaction.Provenance;

/// <summary>
/// The ledger's record that the monitored pipeline produced one assistant message. It holds a keyed fingerprint of
/// the content, never the content itself.
/// </summary>
/// <param name="ConversationId">The conversation the message belongs to.</param>
/// <param name="MessageIndex">The 0-based position of the message in that conversation's transcript.</param>
/// <param name="ModelId">The model that wrote the message.</param>
/// <param name="ContentMac">HMAC-SHA256 of the exact content, as lower-case hex; the same content gives the same value
/// in every conversation, which is what makes replays findable.</param>
/// <param name="CreatedAt">When the message was attested.</param>
/// <param name="RecordMac">HMAC-SHA256, as lower-case hex, over every other field (length-prefixed): a row edited or
/// inserted without the key does not verify.</param>
public sealed record Attestation(
    string ConversationId,
    int MessageIndex,
    string ModelId,
    string ContentMac,
    DateTimeOffset CreatedAt,
    string RecordMac);
