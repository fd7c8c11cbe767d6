using Enaction.Conformal;
using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using Microsoft.Data.Sqlite;

namespace Enaction.Sqlite.Tests.Provenance;

/// <summary>The conformal reservoirs kept in the ledger's SQLite file.</summary>
public sealed class SqliteOwnScoreStoreTests : IDisposable
{
    private static readonly OwnScoreKey Key = new("tiny-chat", "planner", "calibrated:0123");
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public SqliteOwnScoreStoreTests() => _path = _dir.File("ledger.db");

    public void Dispose() => _dir.Dispose();

    private async Task<object?> SqlAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Scores_added_to_the_file_are_the_reservoir_sampling_of_them_and_survive_reopening()
    {
        var scores = Enumerable.Range(0, 60).Select(i => Math.Sin(i)).ToArray();
        var expected = OwnScoreReservoir.Empty;
        using (var store = await SqliteAttestationStore.OpenAsync(_path))
        {
            Assert.Equal(OwnScoreReservoir.Empty, await store.GetAsync(Key));
            foreach (var s in scores)
            {
                expected = ReservoirSampling.Add(expected, s, 25, 9, Key);
                var after = await store.AddAsync(Key, s, 25, 9);
                Assert.Equal(expected.Scores.ToArray(), after.Scores.ToArray());
            }
        }
        SqliteConnection.ClearAllPools();

        using var reopened = await SqliteAttestationStore.OpenAsync(_path);
        var read = await reopened.GetAsync(Key);
        Assert.Equal(60, read.Seen);
        Assert.Equal(expected.Scores.ToArray(), read.Scores.ToArray());
        Assert.Equal(OwnScoreReservoir.Empty, await reopened.GetAsync(Key with { Agent = "other" }));
        Assert.Equal(1L, await SqlAsync($"SELECT version FROM enaction_schema WHERE component = '{SqliteAttestationStore.OwnScoresTable}'"));
    }

    [Fact]
    public async Task Two_stores_on_one_file_adding_at_once_keep_one_reservoir_and_lose_no_turn()
    {
        using var a = await SqliteAttestationStore.OpenAsync(_path);
        using var b = await SqliteAttestationStore.OpenAsync(_path);

        await Task.WhenAll(Enumerable.Range(0, 80).Select(i => (i % 2 == 0 ? a : b).AddAsync(Key, i, 30, 1)));

        var read = await a.GetAsync(Key);
        Assert.Equal(80, read.Seen);
        Assert.Equal(30, read.Scores.Length);
    }

    [Fact]
    public async Task A_ledger_made_before_the_reservoirs_opens_and_gains_their_table_on_the_first_score()
    {
        (await SqliteAttestationStore.OpenAsync(_path)).Dispose();
        SqliteConnection.ClearAllPools();
        Assert.Equal(0L, await SqlAsync("SELECT count(*) FROM sqlite_master WHERE name = 'own_scores'"));

        using var store = await SqliteAttestationStore.OpenAsync(_path);
        Assert.Equal(OwnScoreReservoir.Empty, await store.GetAsync(Key));
        await store.AddAsync(Key, 1.5, 10, 0);

        Assert.Equal(1L, await SqlAsync("SELECT count(*) FROM sqlite_master WHERE name = 'own_scores'"));
        Assert.Equal(1.5, Assert.Single((await store.GetAsync(Key)).Scores));
    }

    [Fact]
    public async Task A_reservoir_table_of_another_version_or_shape_is_refused_at_open()
    {
        using (var store = await SqliteAttestationStore.OpenAsync(_path)) await store.AddAsync(Key, 1, 10, 0);
        SqliteConnection.ClearAllPools();
        await SqlAsync("UPDATE enaction_schema SET version = 2 WHERE component = 'own_scores'");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));
        Assert.Contains("holds 'own_scores' schema version 2; this build reads schema version 1", e.Message);
        Assert.StartsWith(_path, e.Message);

        await SqlAsync("UPDATE enaction_schema SET version = 1 WHERE component = 'own_scores'");
        await SqlAsync("DROP TABLE own_scores; CREATE TABLE own_scores (id INTEGER)");
        e = await Assert.ThrowsAsync<AttestationStoreException>(() => SqliteAttestationStore.OpenAsync(_path));
        Assert.Contains("table own_scores has columns (id); expected (model, agent, score_space, seen, scores, updated_at)", e.Message);
    }

    [Fact]
    public async Task A_damaged_row_is_reported_never_turned_into_a_threshold()
    {
        using var store = await SqliteAttestationStore.OpenAsync(_path);
        await store.AddAsync(Key, 1, 10, 0);
        await SqlAsync("UPDATE own_scores SET scores = X'0102030405'");

        var e = await Assert.ThrowsAsync<AttestationStoreException>(() => store.GetAsync(Key));
        Assert.Contains("the own_scores row of model tiny-chat, agent planner is damaged", e.Message);
        await Assert.ThrowsAsync<AttestationStoreException>(() => store.AddAsync(Key, 2, 10, 0));

        // The monitor's side logs it and keeps the threshold in force rather than failing the call.
        var thresholds = new ConformalThresholds(store);
        Assert.Null(await thresholds.ObserveAsync(Key, 2, new ConformalOptions(), 3.0));
    }
}
