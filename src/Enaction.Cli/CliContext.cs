using Spectre.Console;

namespace Enaction.Cli;

/// <summary>Where a command writes: standard output for results, standard error for diagnostics and progress.</summary>
public sealed class CliContext
{
    /// <summary>Creates a context over two writers.</summary>
    public CliContext(TextWriter output, TextWriter error)
    {
        Output = output;
        Error = error;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
        });
        ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
    }

    /// <summary>Results.</summary>
    public TextWriter Output { get; }
    /// <summary>Diagnostics.</summary>
    public TextWriter Error { get; }
    /// <summary>Rich output for people (tables) on the output writer.</summary>
    public IAnsiConsole Console { get; }
    /// <summary>Rich output (progress bars) on the error writer, so results on standard output stay clean.</summary>
    public IAnsiConsole ErrorConsole { get; }
}
