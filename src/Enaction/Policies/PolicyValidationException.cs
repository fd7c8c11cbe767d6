namespace Enaction.Policies;

/// <summary>
/// A policy that cannot be used, with where and what was expected. The message reads
/// <c>policies/strict.yaml:14:7: unknown action "blok"; expected one of log, annotate, ...</c>.
/// </summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The policy file (or <c>&lt;input&gt;</c>).</param>
    /// <param name="line">1-based line, when known.</param>
    /// <param name="column">1-based column, when known.</param>
    /// <param name="problem">What was wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public PolicyValidationException(string file, long? line, long? column, string problem, Exception? inner = null)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}:{column}: {problem}", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The policy file (or <c>&lt;input&gt;</c>).</summary>
    public string File { get; }
    /// <summary>1-based line, when known.</summary>
    public long? Line { get; }
    /// <summary>1-based column, when known.</summary>
    public long? Column { get; }
    /// <summary>What was wrong and what was expected, without the location.</summary>
    public string Problem { get; }
}
