using System.Runtime.InteropServices;

namespace Enaction.Bench.Benchmarks;

/// <summary>
/// CPU time this process has used, in milliseconds, at nanosecond resolution (clock_gettime(CLOCK_PROCESS_CPUTIME_ID)
/// on Linux). On a machine shared with other work, single-threaded CPU time measures the work itself while wall time
/// also measures the wait for a core; the benchmarks report both.
/// </summary>
public static class CpuClock
{
    private const int ProcessCpuTimeClock = 2;

    /// <summary>CPU milliseconds used by this process so far.</summary>
    public static double NowMs()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ProcessCpuTimeClock, out var ts) == 0)
            return ts.Seconds * 1000.0 + ts.Nanoseconds / 1e6;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // DllImport rather than LibraryImport: the CLI project does not allow unsafe code, and this signature is blittable.
    [DllImport("libc", EntryPoint = "clock_gettime")]
#pragma warning disable SYSLIB1054
    private static extern int clock_gettime(int clock, out Timespec time);
#pragma warning restore SYSLIB1054
}
