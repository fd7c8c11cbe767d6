namespace Enaction.Provenance;

/// <summary>
/// The one exception an attestation store fails with: it cannot be used as one (not a database, the wrong schema, a
/// file deleted or replaced under a running host, a read-only file, a server that is down, a store implementation that
/// threw). The message is one line naming the store and what went wrong; nothing it read or wrote may be trusted.
/// </summary>
public sealed class AttestationStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="store">The file, server or other location of the store (never a password).</param>
    /// <param name="problem">What was wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    /// <param name="unwritten">The attestation a failed write was carrying, so the caller can record it elsewhere.</param>
    public AttestationStoreException(string store, string problem, Exception? inner = null, Attestation? unwritten = null)
        : base($"{store}: {problem}", inner)
    {
        Store = store;
        Problem = problem;
        Unwritten = unwritten;
    }

    /// <summary>The file, server or other location of the store.</summary>
    public string Store { get; }

    /// <summary>What was wrong and what was expected.</summary>
    public string Problem { get; }

    /// <summary>The attestation that could not be written, when the failure was a write; null otherwise.</summary>
    public Attestation? Unwritten { get; }
}
