using System.Globalization;

namespace Enaction.Onnx.Tests.Support;

/// <summary>
/// The process's resident set from <c>/proc/self/status</c> (Linux). <see cref="TryResetPeak"/> writes "5" to
/// <c>/proc/self/clear_refs</c>, which sets the peak (VmHWM) back to the current resident set, so the peak of one
/// piece of work can be read afterwards.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>Resets VmHWM; false where that is not possible (not Linux, no permission, a kernel without it).</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
        // Kernels that ignore "5" leave the old peak in place.
        return ReadStatus("VmHWM") is { } peak && ReadStatus("VmRSS") is { } rss && peak - rss < 4 * 1024 * 1024;
    }

    /// <summary>Current resident set in bytes, or null.</summary>
    public static long? Resident => ReadStatus("VmRSS");

    /// <summary>Peak resident set since start or the last reset, in bytes, or null.</summary>
    public static long? Peak => ReadStatus("VmHWM");

    private static long? ReadStatus(string field)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            // "VmHWM:	  123456 kB"
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var parts = line[(field.Length + 1)..].Split(' ', '\t').Where(p => p.Length > 0).ToArray();
            return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
        }
        return null;
    }
}
