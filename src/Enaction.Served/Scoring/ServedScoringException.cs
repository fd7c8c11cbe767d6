namespace Enaction.Served.Scoring;

/// <summary>
/// The serving engine could not give the prompt log-probabilities: it was unreachable, answered with an error, answered
/// late, or answered with something that is not vLLM's completions shape. The message is one line naming the endpoint
/// and what was expected; the monitor treats it as a scoring failure (the policy's failure mode decides).
/// </summary>
public sealed class ServedScoringException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServedScoringException(string message, Exception? innerException = null) : base(message, innerException) { }
}
