namespace Enaction.Transcripts;

/// <summary>A transcript file that cannot be read, with where and what was expected.</summary>
public sealed class TranscriptFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TranscriptFormatException(string source, long? line, long? column, string problem, Exception? inner = null)
        : base(Format(source, line, column, problem), inner)
    {
        Source = source;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file name (or "&lt;input&gt;").</summary>
    public new string Source { get; }
    /// <summary>1-based line, when known.</summary>
    public long? Line { get; }
    /// <summary>1-based column, when known.</summary>
    public long? Column { get; }
    /// <summary>What was wrong and what was expected.</summary>
    public string Problem { get; }

    private static string Format(string source, long? line, long? column, string problem) =>
        line is null ? $"{source}: {problem}" : $"{source}:{line}:{column}: {problem}";
}
