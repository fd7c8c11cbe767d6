namespace Enaction.Provenance;

/// <summary>An attestation store that cannot be used as one: not a database, the wrong schema, unreadable.</summary>
public sealed class AttestationStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="store">The file (or other location) of the store.</param>
    /// <param name="problem">What was wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public AttestationStoreException(string store, string problem, Exception? inner = null)
        : base($"{store}: {problem}", inner)
    {
        Store = store;
        Problem = problem;
    }

    /// <summary>The file (or other location) of the store.</summary>
    public string Store { get; }

    /// <summary>What was wrong and what was expected.</summary>
    public string Problem { get; }
}
