using Enaction.Conformal;
using Enaction.PostgreSql.Provenance;
using Enaction.PostgreSql.Tests.Support;
using Enaction.Provenance;
using Npgsql;

namespace Enaction.PostgreSql.Tests.Provenance;

/// <summary>The fleet's conformal reservoirs on the real server the fixture starts.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOwnScoreStoreTests(PostgreSqlFixture server) : IAsyncLifetime
{
    private static readonly OwnScoreKey Key = new("tiny-chat", "planner", "calibrated:0123");
    private readonly List<PostgreSqlAttestationStore> _stores = [];
    private string _database = "";

    public async Task InitializeAsync() => _database = await server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
    }

    private async Task<PostgreSqlAttestationStore> InstanceAsync()
    {
        var store = await PostgreSqlAttestationStore.OpenAsync(_database);
        _stores.Add(store);
        return store;
    }

    /// <summary>Runs SQL on the database directly, as someone with database access but no key would.</summary>
    private Task<object?> SqlAsync(string sql) => PostgreSqlFixture.ScalarAsync(_database, sql);

    [PostgreSqlFact]
    public async Task A_score_added_by_one_instance_is_in_the_reservoir_another_reads()
    {
        var a = await InstanceAsync();
        var b = await InstanceAsync();
        var expected = OwnScoreReservoir.Empty;
        foreach (var s in new[] { 0.5, -1.25, 3.0 })
        {
            expected = ReservoirSampling.Add(expected, s, 10, 4, Key);
            await a.AddAsync(Key, s, 10, 4);
        }

        var read = await b.GetAsync(Key);

        Assert.Equal(3, read.Seen);
        Assert.Equal(expected.Scores.ToArray(), read.Scores.ToArray());
        Assert.Equal(OwnScoreReservoir.Empty, await b.GetAsync(Key with { Model = "other" }));
    }

    [PostgreSqlFact]
    public async Task Instances_adding_at_once_keep_one_reservoir_and_lose_no_turn()
    {
        var instances = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => InstanceAsync()));

        await Task.WhenAll(Enumerable.Range(0, 120).Select(i => instances[i % 4].AddAsync(Key, i, 50, 2)));

        var read = await instances[0].GetAsync(Key);
        Assert.Equal(120, read.Seen);
        Assert.Equal(50, read.Scores.Length);
        Assert.Equal(50, read.Scores.Distinct().Count());
    }

    [PostgreSqlFact]
    public async Task A_database_at_schema_version_1_gains_the_reservoir_table_when_a_newer_instance_opens_it()
    {
        await InstanceAsync();
        await SqlAsync("DROP TABLE enaction_own_scores; DELETE FROM enaction_schema_migrations WHERE version = 2");

        var upgraded = await InstanceAsync();
        await upgraded.AddAsync(Key, 1, 10, 0);

        Assert.Equal(2, await SqlAsync("SELECT max(version) FROM enaction_schema_migrations"));
        Assert.Equal(1L, await SqlAsync("SELECT seen FROM enaction_own_scores"));
    }

    [PostgreSqlFact]
    public async Task A_damaged_row_is_an_error_naming_the_server_and_the_row()
    {
        var store = await InstanceAsync();
        await store.AddAsync(Key, 1, 10, 0);
        await SqlAsync("UPDATE enaction_own_scores SET scores = '\\x0102'::bytea");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => store.GetAsync(Key));

        Assert.StartsWith("postgresql://", e.Message);
        Assert.Contains("the enaction_own_scores row of model tiny-chat, agent planner is damaged (the scores are 2 bytes", e.Message);
    }
}
