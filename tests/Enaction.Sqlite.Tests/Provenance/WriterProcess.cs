using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using static Enaction.Tests.LedgerTranscripts;

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
        try
        {
            using var store = await SqliteAttestationStore.OpenAsync(path);
            var ledger = new ProvenanceLedger(store, new ProvenanceOptions { Key = key });
            var start = int.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
            var n = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
            for (var i = start; i < start + n; i++)
                await ledger.AttestAsync(conversation, At(i, $"answer {i}"), i, $"process-{Environment.ProcessId}");
            return 0;
        }
        catch (AttestationStoreException e)
        {
            // One line, as a host would log it: the test reads it back.
            await Console.Error.WriteLineAsync($"{nameof(AttestationStoreException)}: {e.Message}");
            return 3;
        }
    }
}
