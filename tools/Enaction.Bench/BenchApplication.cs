using System.CommandLine;
using Enaction.Cli;

namespace Enaction.Bench;

/// <summary>
/// The benchmark harness's command line (<c>dotnet run -c Release --project tools/Enaction.Bench -- SUBCOMMAND</c>), with
/// the enaction tool's error contract. Tests call <see cref="RunAsync"/> in-process with their own writers.
/// </summary>
public static class BenchApplication
{
    /// <summary>Runs the harness and returns the process exit code (2 for bad input, as the enaction tool).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        CliApplication.RunAsync(args, output, error, Build, "enaction-bench", cancellationToken);

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Enaction benchmarks: the figures in docs/performance.md, each against a baseline measured in the same run.");
        foreach (var command in BenchCommand.Create(context)) root.Add(command);
        return root;
    }
}
