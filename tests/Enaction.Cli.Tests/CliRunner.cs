namespace Enaction.Cli.Tests;

/// <summary>Runs the real command line in-process and captures what it writes.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApplication.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the benchmark harness (tools/Enaction.Bench) in-process, as <see cref="RunAsync"/> runs the tool.</summary>
    public static async Task<Result> RunBenchAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Enaction.Bench.BenchApplication.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    public static string Root => RepoPaths.RepoRoot;
    public static string Model(string name) => Path.Combine(Root, "models", name);
    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);
    public static string Example(params string[] parts) => Path.Combine([Root, "examples", .. parts]);
}
