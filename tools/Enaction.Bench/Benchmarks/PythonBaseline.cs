using System.Diagnostics;
using System.Text.Json;
using Enaction.Cli;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// Runs <c>tools/Enaction.Bench/pytorch_score.py</c>, the PyTorch reference, as a child process and reads the one JSON
/// object it prints. The child runs while this process is idle, so the two never compete for the cores.
/// </summary>
public sealed class PythonBaseline
{
    /// <summary>The script's path inside the repository.</summary>
    public const string ScriptPath = "tools/Enaction.Bench/pytorch_score.py";

    /// <summary>Creates a runner.</summary>
    /// <param name="python">Interpreter with torch and onnx (Debian's /usr/bin/python3 here).</param>
    /// <param name="script">The script; null looks for <see cref="ScriptPath"/> above the working directory and the tool.</param>
    /// <param name="threads">torch.set_num_threads.</param>
    public PythonBaseline(string python, string? script, int threads)
    {
        Python = python;
        Script = script ?? Find(ScriptPath) ?? throw new CliInputException(
            $"cannot find {ScriptPath} above {Environment.CurrentDirectory}; run from the repository or pass --pytorch-script");
        Threads = threads;
    }

    /// <summary>Interpreter.</summary>
    public string Python { get; }
    /// <summary>Script path.</summary>
    public string Script { get; }
    /// <summary>torch threads.</summary>
    public int Threads { get; }

    /// <summary>Runs the script with <paramref name="arguments"/> and parses its last output line.</summary>
    public async Task<JsonElement> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliInputException($"cannot start {Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw CannotStart(Python, e.Message);
        }
        using var _ = process;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var stdout = await output.ConfigureAwait(false);
        var stderr = await error.ConfigureAwait(false);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (process.ExitCode != 0 || line is null)
            throw new CliInputException($"{Script} failed (exit {process.ExitCode}): {LastLine(stderr)}");
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    /// <summary>Looks for <paramref name="relative"/> in the working directory, the tool's directory and their parents.</summary>
    public static string? Find(string relative)
    {
        foreach (var root in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    internal static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1];
    }

    /// <summary>The one line for a Python that cannot start: what to install or pass instead.</summary>
    internal static CliInputException CannotStart(string python, string reason) =>
        new($"cannot start {python} for the PyTorch baseline ({reason}); install Python 3 with torch and onnx, pass --python PATH, or --no-baseline to measure the scorer only");
}
