using Npgsql;

namespace Enaction.PostgreSql.Tests.Support;

/// <summary>
/// The server the tests share: the one <c>ENACTION_TEST_POSTGRES</c> names (what <c>.ci/run</c> starts), else a
/// throwaway one started here. Each test gets a database of its own from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgreSqlFixture : IAsyncLifetime
{
    /// <summary>The environment variable that names a server to test against.</summary>
    public const string Variable = "ENACTION_TEST_POSTGRES";

    private PostgreSqlServer? _own;
    private string? _connectionString;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            _connectionString = given;
            return;
        }
        if (PostgreSqlServer.BinDirectory is null)
            throw new InvalidOperationException(
                $"No PostgreSQL for the tests: {Variable} is not set and initdb was not found under /usr/lib/postgresql/*/bin. " +
                "Run .ci/run (it starts one), set " + Variable + ", or install postgresql-15.");
        _own = await PostgreSqlServer.StartAsync();
        _connectionString = _own.ConnectionString;
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "enaction_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(_connectionString))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_connectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs SQL on a test database directly, as someone with database access but no key would; returns the first value.</summary>
    public static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_own is not null) await _own.DisposeAsync();
    }
}

/// <summary>The tests that share <see cref="PostgreSqlFixture"/>'s server.</summary>
[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "PostgreSQL";
}
