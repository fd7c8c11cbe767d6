using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Enaction.Cli.Tests.Commands;

public sealed class FleetCheckCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-fleet-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Delete(recursive: true);
    }

    [Fact]
    public async Task Instances_sharing_a_ledger_lose_nothing_flag_no_genuine_turn_and_report_the_forged_row()
    {
        var ledger = Path.Combine(_temp.FullName, "fleet.db");

        var result = await CliRunner.RunAsync("fleet-check", "--store", "sqlite:" + ledger, "--instances", "2", "--conversations", "4",
            "--turns", "2", "--max-tokens", "8", "--model", CliRunner.Model("tiny-chat"), "--policy", Path.Combine(CliRunner.Root, "policies", "default.yaml"), "--json");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal(["instances", "conversations", "attested", "verified", "lost", "false_flags", "forged_reported", "attestations_per_second"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        var r = doc.RootElement;
        Assert.Equal(2, r.GetProperty("instances").GetInt32());
        Assert.Equal(4, r.GetProperty("conversations").GetInt32());
        Assert.Equal(8, r.GetProperty("attested").GetInt32());
        // Each second turn verifies the first answer, except the one whose row was forged.
        Assert.Equal(3, r.GetProperty("verified").GetInt32());
        Assert.Equal(0, r.GetProperty("lost").GetInt32());
        Assert.Equal(0, r.GetProperty("false_flags").GetInt32());
        Assert.True(r.GetProperty("forged_reported").GetBoolean());
        Assert.True(r.GetProperty("attestations_per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task A_store_server_that_is_down_is_one_line_and_exit_code_2()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await CliRunner.RunAsync("fleet-check", "--store", $"Host=127.0.0.1;Port={port};Username=enaction;Database=ledger;Timeout=3",
            "--instances", "2", "--conversations", "2", "--model", CliRunner.Model("tiny-chat"), "--policy", Path.Combine(CliRunner.Root, "policies", "default.yaml"));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"enaction: postgresql://enaction@127.0.0.1:{port}/ledger: cannot connect", line);
    }
}
