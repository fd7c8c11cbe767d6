using System.Runtime.InteropServices;

namespace Enaction.Bench.Benchmarks;

/// <summary>Where and when a benchmark ran: every figure is reported with these so it can be compared.</summary>
/// <param name="Date">UTC time the run started (ISO 8601).</param>
/// <param name="Cores">Logical cores the process may use.</param>
/// <param name="LoadAverage">1-minute load average at the start (Linux), -1 elsewhere; above the core count the figures are noisy.</param>
/// <param name="Runtime">.NET runtime description.</param>
/// <param name="Os">Operating system description.</param>
public sealed record BenchMachine(string Date, int Cores, double LoadAverage, string Runtime, string Os)
{
    /// <summary>Describes the current machine.</summary>
    public static BenchMachine Current() => new(
        DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        Environment.ProcessorCount,
        LoadAverageNow(),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription);

    /// <summary>The 1-minute load average, or -1 where /proc/loadavg does not exist.</summary>
    public static double LoadAverageNow()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return -1;
        }
    }
}
