using System.Diagnostics;
using System.Security.Cryptography;
using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using static Enaction.Tests.LedgerTranscripts;

namespace Enaction.Sqlite.Tests.Provenance;

public sealed class CrossProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Two_processes_and_this_one_writing_to_one_file_keep_every_row()
    {
        const int perWriter = 100;
        var path = _dir.File("shared.db");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var store = await SqliteAttestationStore.OpenAsync(path);
        var ledger = new ProvenanceLedger(store, new ProvenanceOptions { Key = key });

        var others = new[] { Writer(path, key, perWriter, perWriter), Writer(path, key, 2 * perWriter, perWriter) };
        for (var i = 0; i < perWriter; i++) await ledger.AttestAsync("shared", At(i, $"answer {i}"), i, "this-process");
        foreach (var process in others)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"writer exited with {process.ExitCode}: {await stderr}");
        }

        var rows = await store.ListAsync(ProvenanceOptions.DefaultTenant, "shared");
        Assert.Equal(Enumerable.Range(0, 3 * perWriter), rows.Select(r => r.MessageIndex).Order());
        Assert.Equal(3, rows.Select(r => r.ModelId).Distinct().Count());
        Assert.All(rows, r => Assert.True(ledger.IsAuthentic(r)));
    }

    private static Process Writer(string path, string key, int first, int count)
    {
        // `dotnet test` names the host it runs under; this assembly's Main is WriterProcess.Main.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "exec", typeof(WriterProcess).Assembly.Location, "attest", path, key, "shared", first.ToString(), count.ToString() })
            info.ArgumentList.Add(arg);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {host}");
    }
}
