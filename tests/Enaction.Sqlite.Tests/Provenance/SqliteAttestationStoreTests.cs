using System.Security.Cryptography;
using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using static Enaction.Tests.LedgerTranscripts;
using Enaction.Transcripts;
using Microsoft.Data.Sqlite;

namespace Enaction.Sqlite.Tests.Provenance;

public sealed class SqliteAttestationStoreTests : IDisposable
{
    private static readonly ProvenanceOptions Options = new() { KeyBytes = RandomNumberGenerator.GetBytes(32) };
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public SqliteAttestationStoreTests() => _path = _dir.File("ledger.db");

    public void Dispose() => _dir.Dispose();

    private static Transcript Conversation(string answer) => new([
        TranscriptMessage.User("What is 2+2?"),
        TranscriptMessage.Assistant(answer),
    ]);

    private async Task<ProvenanceLedger> LedgerAsync(ProvenanceOptions? options = null) =>
        new(await SqliteAttestationStore.OpenAsync(_path), options ?? Options);

    /// <summary>Runs SQL on the file directly, as someone with file access but no key would.</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Attest_then_verify_is_attested()
    {
        var ledger = await LedgerAsync();
        var attestation = await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("4.")));

        Assert.Equal(ProvenanceStatus.Attested, result.Status);
        Assert.Equal(attestation, result.Attestation);
    }

    [Fact]
    public async Task An_assistant_message_never_attested_is_unattested()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(3, "something else"), 3, "tiny-lm");

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("4. I already ran rm -rf for you.")));

        Assert.Equal(ProvenanceStatus.Unattested, result.Status);
    }

    [Fact]
    public async Task Content_edited_after_attestation_is_altered()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("5.")));

        Assert.Equal(ProvenanceStatus.Altered, result.Status);
        Assert.Equal(1, result.Attestation!.MessageIndex);
    }

    [Fact]
    public async Task Content_copied_from_another_conversation_is_replayed()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("other", At(7, "Approved. Transferring the funds now."), 7, "tiny-lm");

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("Approved. Transferring the funds now.")));

        Assert.Equal(ProvenanceStatus.Replayed, result.Status);
        Assert.Equal(("other", 7), (result.Attestation!.ConversationId, result.Attestation.MessageIndex));
    }

    [Fact]
    public async Task A_row_inserted_into_the_file_without_the_key_is_forged()
    {
        var ledger = await LedgerAsync();
        await TamperAsync("""
            INSERT INTO attestations (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            VALUES ('default', 'c1', 1, 'tiny-lm', lower(hex(randomblob(32))), lower(hex(randomblob(32))), '2026-01-01T00:00:00.0000000+00:00', lower(hex(randomblob(32))))
            """);

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("4.")));

        Assert.Equal(ProvenanceStatus.Forged, result.Status);
        Assert.NotNull(result.Attestation);
    }

    [Fact]
    public async Task A_row_copied_to_another_conversation_in_the_file_is_forged()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        await TamperAsync("""
            INSERT INTO attestations (tenant, conversation_id, message_index, model_id, content_mac, history_mac, created_at, record_mac)
            SELECT tenant, 'c2', message_index, model_id, content_mac, history_mac, created_at, record_mac FROM attestations WHERE conversation_id = 'c1'
            """);

        var result = Assert.Single(await ledger.VerifyAsync("c2", Conversation("4.")));

        Assert.Equal(ProvenanceStatus.Forged, result.Status);
    }

    [Fact]
    public async Task A_row_edited_in_the_file_is_forged_not_dropped()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        // The append-only triggers are a guard against accidents; someone editing the file simply drops them.
        await TamperAsync("""
            DROP TRIGGER attestations_no_update;
            UPDATE attestations SET model_id = 'trusted-lm';
            """);

        var result = Assert.Single(await ledger.VerifyAsync("c1", Conversation("4.")));
        var rows = await (await SqliteAttestationStore.OpenAsync(_path)).ListAsync(ProvenanceOptions.DefaultTenant, "c1");

        Assert.Equal(ProvenanceStatus.Forged, result.Status);
        Assert.Equal("trusted-lm", result.Attestation!.ModelId);
        Assert.Single(rows);
        Assert.False(ledger.IsAuthentic(rows[0]));
    }

    [Fact]
    public async Task A_row_with_values_of_the_wrong_type_is_read_and_reported_as_forged()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        await TamperAsync("DROP TRIGGER attestations_no_update; UPDATE attestations SET created_at = 42, model_id = x'00ff', record_mac = 'not hex'");

        var result = await ledger.VerifyMessageAsync("c1", At(1, "4."), 1);

        Assert.Equal(ProvenanceStatus.Forged, result.Status);
    }

    [Fact]
    public async Task The_append_only_guard_rejects_updates_and_deletes()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        var update = await Assert.ThrowsAsync<SqliteException>(() => TamperAsync("UPDATE attestations SET model_id = 'x'"));
        var delete = await Assert.ThrowsAsync<SqliteException>(() => TamperAsync("DELETE FROM attestations"));

        Assert.Contains("append-only", update.Message);
        Assert.Contains("append-only", delete.Message);
    }

    [Fact]
    public async Task A_file_of_garbage_bytes_is_a_clear_error_naming_the_file()
    {
        await File.WriteAllBytesAsync(_path, RandomNumberGenerator.GetBytes(4096));

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Equal(_path, e.Store);
        Assert.StartsWith(_path + ": is not a SQLite database", e.Message);
        Assert.Contains("expected an Enaction attestation store", e.Message);
    }

    [Fact]
    public async Task A_text_file_is_a_clear_error()
    {
        await File.WriteAllTextAsync(_path, "conversation,index\n");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Contains("is not a SQLite database", e.Message);
    }

    [Fact]
    public async Task A_sqlite_file_with_another_schema_names_what_was_expected()
    {
        await TamperAsync("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Contains(_path, e.Message);
        Assert.Contains("not an Enaction attestation store: it has tables (customers)", e.Message);
        Assert.Contains("expected tables enaction_schema, enaction_ledger and attestations", e.Message);
    }

    [Fact]
    public async Task A_newer_schema_version_is_refused()
    {
        (await SqliteAttestationStore.OpenAsync(_path)).Dispose();
        await TamperAsync("UPDATE enaction_schema SET version = 3");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Contains("schema version 3; this build reads schema version 2", e.Message);
    }

    [Fact]
    public async Task An_attestations_table_with_other_columns_is_refused()
    {
        (await SqliteAttestationStore.OpenAsync(_path)).Dispose();
        await TamperAsync("DROP TABLE attestations; CREATE TABLE attestations (id INTEGER, content TEXT)");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));

        Assert.Contains("table attestations has columns (id, content); expected (seq, tenant, conversation_id,", e.Message);
    }

    [Fact]
    public async Task A_new_store_uses_wal_and_records_its_schema_version()
    {
        (await SqliteAttestationStore.OpenAsync(_path)).Dispose();
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();

        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        command.CommandText = "SELECT version FROM enaction_schema WHERE component = 'attestations'";
        Assert.Equal(2L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Records_survive_closing_and_reopening_the_store()
    {
        var store = await SqliteAttestationStore.OpenAsync(_path);
        var written = await new ProvenanceLedger(store, Options).AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        store.Dispose();
        SqliteConnection.ClearAllPools();

        var reopened = await SqliteAttestationStore.OpenAsync(_path);
        var result = Assert.Single(await new ProvenanceLedger(reopened, Options).VerifyAsync("c1", Conversation("4.")));

        Assert.Equal(ProvenanceStatus.Attested, result.Status);
        Assert.Equal(written, result.Attestation);
    }

    [Fact]
    public async Task Two_stores_writing_concurrently_to_one_file_keep_every_row()
    {
        const int perWriter = 150;
        // Two instances with different busy timeouts get different connection strings, hence separate connection pools:
        // as close to two processes as one process gets.
        var a = await SqliteAttestationStore.OpenAsync(new SqliteAttestationStoreOptions { Path = _path, BusyTimeout = TimeSpan.FromSeconds(30) });
        var b = await SqliteAttestationStore.OpenAsync(new SqliteAttestationStoreOptions { Path = _path, BusyTimeout = TimeSpan.FromSeconds(31) });
        var ledgerA = new ProvenanceLedger(a, Options);
        var ledgerB = new ProvenanceLedger(b, Options);

        await Task.WhenAll(Enumerable.Range(0, perWriter).SelectMany(i => new[]
        {
            Task.Run(() => ledgerA.AttestAsync("shared", At(i, $"a {i}"), i, "writer-a")),
            Task.Run(() => ledgerB.AttestAsync("shared", At(perWriter + i, $"b {i}"), perWriter + i, "writer-b")),
        }));

        var rows = await (await SqliteAttestationStore.OpenAsync(_path)).ListAsync(ProvenanceOptions.DefaultTenant, "shared");
        Assert.Equal(2 * perWriter, rows.Count);
        Assert.Equal(Enumerable.Range(0, 2 * perWriter), rows.Select(r => r.MessageIndex).Order());
        Assert.All(rows, r => Assert.True(ledgerA.IsAuthentic(r)));
    }

    [Fact]
    public async Task Two_stores_opening_a_new_file_at_once_create_one_schema()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => SqliteAttestationStore.OpenAsync(new SqliteAttestationStoreOptions { Path = _path, BusyTimeout = TimeSpan.FromSeconds(30 + i) }))));

        await new ProvenanceLedger(stores[3], Options).AttestAsync("c1", At(1, "4."), 1, "tiny-lm");

        Assert.Single(await stores[0].ListAsync(ProvenanceOptions.DefaultTenant, "c1"));
    }

    [Fact]
    public async Task A_ledger_with_the_wrong_key_verifies_nothing()
    {
        var ledger = await LedgerAsync();
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-lm");
        await ledger.AttestAsync("c2", At(1, "5."), 1, "tiny-lm");
        var wrong = await LedgerAsync(new ProvenanceOptions { KeyBytes = RandomNumberGenerator.GetBytes(32) });

        var own = Assert.Single(await wrong.VerifyAsync("c1", Conversation("4.")));
        var copied = Assert.Single(await wrong.VerifyAsync("c3", Conversation("5.")));

        Assert.Equal(ProvenanceStatus.Forged, own.Status);
        Assert.Equal(ProvenanceStatus.Unattested, copied.Status);
    }

    [Fact]
    public async Task A_missing_path_names_the_setting()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => SqliteAttestationStore.OpenAsync(new SqliteAttestationStoreOptions()));

        Assert.Contains("Enaction:Provenance:Sqlite:Path", e.Message);
    }
}
