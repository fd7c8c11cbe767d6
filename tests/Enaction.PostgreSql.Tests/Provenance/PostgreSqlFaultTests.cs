using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Enaction.PostgreSql.Provenance;
using Enaction.PostgreSql.Tests.Support;
using Enaction.Provenance;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Enaction.Tests.LedgerTranscripts;

namespace Enaction.PostgreSql.Tests.Provenance;

/// <summary>The store when the server is not there, goes away, runs out of connections or kills a write.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlFaultTests(PostgreSqlFixture shared)
{
    private static readonly ProvenanceOptions Options = new() { KeyBytes = RandomNumberGenerator.GetBytes(32) };

    [PostgreSqlFact]
    public async Task A_server_that_is_down_at_start_up_is_a_clear_error_naming_it()
    {
        var port = ClosedPort();

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() =>
            PostgreSqlAttestationStore.OpenAsync($"Host=127.0.0.1;Port={port};Username=enaction;Password=s3cret;Database=ledger;Timeout=3"));

        Assert.StartsWith($"postgresql://enaction@127.0.0.1:{port}/ledger: cannot connect and migrate the schema: ", e.Message);
        Assert.Contains("is the server running and reachable?", e.Message);
        Assert.DoesNotContain("s3cret", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [PostgreSqlFact]
    public async Task A_host_registering_the_store_fails_at_start_up_when_the_server_is_down()
    {
        var services = new ServiceCollection().AddPostgreSqlAttestationStore($"Host=127.0.0.1;Port={ClosedPort()};Username=enaction;Timeout=3");
        await using var provider = services.BuildServiceProvider();

        Assert.Throws<AttestationStoreException>(() => provider.GetRequiredService<IAttestationStore>());
    }

    [PostgreSqlFact]
    public async Task A_server_that_goes_down_mid_run_fails_every_call_with_the_typed_exception_and_trusts_nothing()
    {
        await using var server = await PostgreSqlServer.StartAsync();
        await using var store = await PostgreSqlAttestationStore.OpenAsync(server.ConnectionString);
        var ledger = new ProvenanceLedger(store, Options);
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");

        await server.StopAsync();
        var write = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.AttestAsync("c1", At(3, "8."), 3, "tiny-chat"));
        var read = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.VerifyAsync("c1", At(1, "4.")));
        await server.StartAgainAsync();

        Assert.Contains("could not write the attestation of message 3 of conversation c1", write.Message);
        Assert.Equal(3, write.Unwritten!.MessageIndex);
        Assert.True(ledger.IsAuthentic(write.Unwritten));
        Assert.Contains("cannot find an attestation", read.Message);
        // Back up: what was written is there, what failed was not written (and was reported above, not lost silently).
        Assert.Equal(ProvenanceStatus.Attested, (await ledger.VerifyMessageAsync("c1", At(1, "4."), 1)).Status);
        Assert.Equal(ProvenanceStatus.Unattested, (await ledger.VerifyMessageAsync("c1", At(3, "8."), 3)).Status);
    }

    [PostgreSqlFact]
    public async Task An_exhausted_connection_pool_is_a_typed_failure_and_the_store_recovers()
    {
        var database = new NpgsqlConnectionStringBuilder(await shared.CreateDatabaseAsync()) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var store = await PostgreSqlAttestationStore.OpenAsync(dataSource);
        var ledger = new ProvenanceLedger(store, Options);

        AttestationStoreException e;
        await using (await dataSource.OpenConnectionAsync())
            e = await Assert.ThrowsAsync<AttestationStoreException>(() => ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat"));
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");

        Assert.Contains("pool", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ProvenanceStatus.Attested, (await ledger.VerifyMessageAsync("c1", At(1, "4."), 1)).Status);
    }

    [PostgreSqlFact]
    public async Task A_write_whose_connection_is_killed_mid_transaction_fails_and_leaves_no_row()
    {
        var database = await shared.CreateDatabaseAsync();
        await using var store = await PostgreSqlAttestationStore.OpenAsync(database);
        var ledger = new ProvenanceLedger(store, Options);
        await using var admin = new NpgsqlConnection(database);
        await admin.OpenAsync();

        // Hold the table so the write blocks inside its statement, then kill that backend, as a failover or an operator would.
        var hold = await admin.BeginTransactionAsync();
        await Sql(admin, "LOCK TABLE enaction_attestations IN ACCESS EXCLUSIVE MODE");
        var write = ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");
        await using (var killer = new NpgsqlConnection(database))
        {
            await killer.OpenAsync();
            object? pid = null;
            while (pid is null && !write.IsCompleted)
            {
                pid = await Sql(killer, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO enaction_attestations%'");
                if (pid is null) await Task.Delay(20);
            }
            Assert.NotNull(pid);
            await Sql(killer, $"SELECT pg_terminate_backend({pid})");
        }
        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => write);
        await hold.RollbackAsync();

        Assert.Contains("could not write the attestation", e.Message);
        Assert.NotNull(e.Unwritten);
        Assert.Equal(0L, await Sql(admin, "SELECT count(*) FROM enaction_attestations"));
        await ledger.AttestAsync("c1", At(1, "4."), 1, "tiny-chat");
        Assert.Equal(ProvenanceStatus.Attested, (await ledger.VerifyMessageAsync("c1", At(1, "4."), 1)).Status);
    }

    private static async Task<object?> Sql(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>A loopback port nothing listens on.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
