using Enaction.Provenance;
using Enaction.Sqlite.Provenance;

namespace Enaction.Sqlite.Tests.Provenance;

/// <summary>
/// The entry point of this test assembly when run as a program: <c>attest PATH KEY CONVERSATION FIRST COUNT</c>
/// attests COUNT messages from index FIRST, so a test can have another process write to the same ledger file.
/// </summary>
public static class WriterProcess
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["attest", var path, var key, var conversation, var first, var count])
        {
            await Console.Error.WriteLineAsync("usage: attest PATH BASE64KEY CONVERSATION FIRST COUNT");
            return 2;
        }
        using var store = await SqliteAttestationStore.OpenAsync(path);
        var ledger = new ProvenanceLedger(store, new ProvenanceOptions { Key = key });
        var start = int.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        var n = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = start; i < start + n; i++)
            await ledger.AttestAsync(conversation, i, $"process-{Environment.ProcessId}", $"answer {i}");
        return 0;
    }
}
