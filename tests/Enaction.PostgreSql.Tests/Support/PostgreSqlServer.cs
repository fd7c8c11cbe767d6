using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Enaction.PostgreSql.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server on loopback: an <c>initdb</c> data folder under a temp dir, a free port, trust
/// authentication, started and stopped with <c>pg_ctl</c> (as the <c>postgres</c> user when the tests run as root,
/// since PostgreSQL refuses to run as root). What <c>.ci/run</c> does in bash, for tests run without it.
/// </summary>
public sealed class PostgreSqlServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _data;
    private readonly string _bin;

    private PostgreSqlServer(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        _data = Path.Combine(folder, "data");
        Port = port;
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A connection string to the server's <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=10";

    /// <summary>The folder holding <c>initdb</c> and <c>pg_ctl</c>, or null when PostgreSQL is not installed.</summary>
    public static string? BinDirectory { get; } = FindBin();

    /// <summary>Creates and starts a new server.</summary>
    public static async Task<PostgreSqlServer> StartAsync()
    {
        var bin = BinDirectory ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin); install postgresql-15 or set ENACTION_TEST_POSTGRES to a connection string.");
        var folder = Directory.CreateTempSubdirectory("enaction-pg-").FullName;
        if (IsRoot) await RunAsync("chown", ["postgres:postgres", folder]);
        var server = new PostgreSqlServer(bin, folder, FreePort());
        await server.RunToolAsync("initdb", ["-D", server._data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the (stopped) server again on the same port and data.</summary>
    public Task StartAgainAsync() => RunToolAsync("pg_ctl", ["-D", _data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"]);

    /// <summary>Stops the server (fast shutdown: open sessions are ended).</summary>
    public Task StopAsync() => RunToolAsync("pg_ctl", ["-D", _data, "-m", "fast", "-w", "-t", "60", "stop"]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try { await RunToolAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "stop"]); } catch (InvalidOperationException) { }
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunToolAsync(string tool, string[] args)
    {
        var path = Path.Combine(_bin, tool);
        return IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindBin()
    {
        if (Environment.GetEnvironmentVariable("ENACTION_PG_BIN") is { Length: > 0 } explicitBin) return explicitBin;
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => b, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
