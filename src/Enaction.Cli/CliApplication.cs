using System.CommandLine;
using Enaction.Cli.Commands;

namespace Enaction.Cli;

/// <summary>
/// The <c>enaction</c> command line. <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/> is what <c>Main</c> calls; tests call it in-process with
/// their own writers.
/// </summary>
public static class CliApplication
{
    /// <summary>Exit code for bad input: a missing file, a malformed transcript, an unusable model.</summary>
    public const int BadInput = 2;

    /// <summary>Builds the root command.</summary>
    public static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("Enaction: re-score agent transcripts with a local causal LM and report what the model did not write itself.");
        root.Add(ScoreCommand.Create(context));
        root.Add(GenerateCommand.Create(context));
        root.Add(DetectCommand.Create(context));
        root.Add(DatasetCommand.Create(context));
        root.Add(CalibrateCommand.Create(context));
        root.Add(EvaluateCommand.Create(context));
        root.Add(ReplayCommand.Create(context));
        root.Add(ReportCommand.Create(context));
        root.Add(RealismCommand.Create(context));
        root.Add(TokenizeCommand.Create(context));
        root.Add(FleetCheckCommand.Create(context));
        root.Add(FleetCheckCommand.CreateWorker(context));
        return root;
    }

    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, BuildRootCommand, "enaction", cancellationToken);

    /// <summary>
    /// Runs a command line built by <paramref name="build"/> with this tool's contract (bad input: one line on stderr,
    /// prefixed with <paramref name="name"/>, and exit <see cref="BadInput"/>); the benchmark harness shares it.
    /// </summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<CliContext, RootCommand> build, string name,
        CancellationToken cancellationToken)
    {
        var context = new CliContext(output, error);
        Commands.CommonOptions.Diagnostics.Value = error;
        var root = build(context);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReportAsync(error, name + ": cancelled").ConfigureAwait(false);
            return 130;
        }
#pragma warning disable CA1031 // The command line's contract: one line on stderr and exit 2, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await ReportAsync(error, name + ": " + CliErrors.Describe(e)).ConfigureAwait(false);
            if (!CliErrors.IsExpected(e) && Environment.GetEnvironmentVariable(CliErrors.DebugVariable) == "1")
                await ReportAsync(error, e.ToString()).ConfigureAwait(false);
            return BadInput;
        }
    }

    /// <summary>Writes to standard error; if even that fails (a closed or full stream) there is nowhere left to say it.</summary>
    private static async Task ReportAsync(TextWriter error, string line)
    {
        try
        {
            await error.WriteLineAsync(line).ConfigureAwait(false);
            await error.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }
}
