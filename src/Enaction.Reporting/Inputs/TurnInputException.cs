namespace Enaction.Reporting.Inputs;

/// <summary>A line of a records or transcripts file that cannot be used. The message reads <c>file:line: problem</c>.</summary>
public sealed class TurnInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The input file, as the user named it.</param>
    /// <param name="line">1-based line, when the problem has one.</param>
    /// <param name="problem">What was wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public TurnInputException(string file, int? line, string problem, Exception? inner = null)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The input file.</summary>
    public string File { get; }
    /// <summary>1-based line, when known.</summary>
    public int? Line { get; }
    /// <summary>What was wrong, without the location.</summary>
    public string Problem { get; }
}
