using System.Diagnostics;
using System.Text.Json;
using Enaction.Cli;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// <c>pytorch_score.py --serve</c> as a long-lived child: it loads the model once and answers one timed scoring per
/// request, so the benchmark can alternate PyTorch runs with the C# scorer's runs (both sides then see the same
/// machine load) without paying the model load per run. The child sleeps on its input between requests.
/// </summary>
public sealed class PythonBaselineServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;

    private PythonBaselineServer(Process process, JsonElement ready)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
        Ready = ready;
    }

    /// <summary>What the child reported once loaded: torch threads, version and the baseline's settings.</summary>
    public JsonElement Ready { get; }

    /// <summary>One timed scoring.</summary>
    /// <param name="Ms">Wall milliseconds.</param>
    /// <param name="CpuMs">CPU milliseconds of the child (all its threads).</param>
    /// <param name="MinorFaults">Minor page faults during the run (freed memory kept: close to 0).</param>
    public readonly record struct Run(double Ms, double CpuMs, long MinorFaults);

    /// <summary>Starts the child for <paramref name="modelDirectory"/> and waits until it has loaded the model.</summary>
    public static async Task<PythonBaselineServer> StartAsync(PythonBaseline baseline, string modelDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(baseline.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { baseline.Script, "--model", modelDirectory, "--serve", "--threads", baseline.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CliInputException($"cannot start {baseline.Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw PythonBaseline.CannotStart(baseline.Python, e.Message);
        }
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                var stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                throw new CliInputException($"{baseline.Script} --serve failed: {PythonBaseline.LastLine(stderr)}");
            }
            using var document = JsonDocument.Parse(line);
            return new PythonBaselineServer(process, document.RootElement.Clone());
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Scores the ids in <paramref name="idsFile"/> once; with <paramref name="dumpFile"/> the child writes its statistics there.</summary>
    public async Task<Run> ScoreAsync(string idsFile, string? dumpFile, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Serialize(new Dictionary<string, string?> { ["ids"] = idsFile, ["dump"] = dumpFile });
        await _process.StandardInput.WriteLineAsync(request.AsMemory(), cancellationToken).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is null)
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            throw new CliInputException($"pytorch_score.py --serve stopped (exit {_process.ExitCode}): {PythonBaseline.LastLine(await _errors.ConfigureAwait(false))}");
        }
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return new Run(root.GetProperty("ms").GetDouble(), root.GetProperty("cpu_ms").GetDouble(), root.GetProperty("minor_faults").GetInt64());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
