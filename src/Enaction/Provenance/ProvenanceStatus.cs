namespace Enaction.Provenance;

/// <summary>What the ledger knows about one assistant message.</summary>
public enum ProvenanceStatus
{
    /// <summary>The current record for this conversation and index verifies and matches the content exactly.</summary>
    Attested,
    /// <summary>No record vouches for this message: it was injected, prefilled or restored from elsewhere.</summary>
    Unattested,
    /// <summary>A valid record exists for this conversation and index, but the content has changed since.</summary>
    Altered,
    /// <summary>The exact content was attested, but for another conversation or index (or was superseded there).</summary>
    Replayed,
    /// <summary>The record that would vouch for this message fails its record MAC: the store was edited without the key.</summary>
    Forged,
}
