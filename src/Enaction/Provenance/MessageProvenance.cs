namespace Enaction.Provenance;

/// <summary>The verdict on one assistant message.</summary>
/// <param name="MessageIndex">The message's index in the transcript.</param>
/// <param name="Status">What the ledger says about it.</param>
/// <param name="Attestation">The record the verdict rests on: the matching record for <see cref="ProvenanceStatus.Attested"/>
/// and <see cref="ProvenanceStatus.Replayed"/>, the record for this index for <see cref="ProvenanceStatus.Altered"/>, the
/// failing record for <see cref="ProvenanceStatus.Forged"/>; null for <see cref="ProvenanceStatus.Unattested"/>.</param>
public sealed record MessageProvenance(int MessageIndex, ProvenanceStatus Status, Attestation? Attestation);
