using System.Runtime.InteropServices;

namespace Enaction.Sqlite.Provenance;

/// <summary>
/// Which file a path names right now: device and inode from <c>stat(2)</c> on Linux, plus its length. A ledger that
/// was deleted, renamed over or restored from a copy has another identity (or none), even when a connection still
/// holds the old file open.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, long Length)
{
    /// <summary>True where device and inode can be read (Linux); elsewhere only existence and length are compared.</summary>
    public static bool HasInodes { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>The identity of the file at <paramref name="path"/>, or null when nothing is there.</summary>
    public static FileIdentity? Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        if (!HasInodes) return new FileIdentity(0, 0, info.Length);
        // struct stat on 64-bit Linux (x86-64 and the generic layout of arm64 alike) starts with
        // st_dev (8 bytes) and st_ino (8 bytes); 256 bytes covers the whole struct on both.
        Span<byte> buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0) return File.Exists(path) ? new FileIdentity(0, 0, info.Length) : null;
        return new FileIdentity(MemoryMarshal.Read<ulong>(buffer), MemoryMarshal.Read<ulong>(buffer[8..]), info.Length);
    }

    /// <summary>True when both name the same file (length aside); without inodes, any two existing files match.</summary>
    public bool IsSameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;

    private static int Stat(string path, Span<byte> buffer)
    {
        try
        {
            return NativeMethods.stat(path, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.33 exports only the versioned __xstat (version 1 = _STAT_VER_LINUX on 64-bit).
            return NativeMethods.__xstat(1, path, buffer);
        }
    }

    private static partial class NativeMethods
    {
#pragma warning disable SA1300, IDE1006 // libc names
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int stat(string path, Span<byte> buffer);

        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int __xstat(int version, string path, Span<byte> buffer);
#pragma warning restore SA1300, IDE1006
    }
}
