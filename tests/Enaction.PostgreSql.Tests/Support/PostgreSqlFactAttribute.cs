namespace Enaction.PostgreSql.Tests.Support;

/// <summary>
/// A test that needs a PostgreSQL server. Skipped, with the reason, only where none can be had and this is not CI:
/// no <c>ENACTION_TEST_POSTGRES</c> and no PostgreSQL installed. Under <c>CI=true</c> it always runs, so a CI machine
/// without a server fails with the fixture's message instead of passing quietly.
/// </summary>
public sealed class PostgreSqlFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public PostgreSqlFactAttribute()
    {
        var available = Environment.GetEnvironmentVariable(PostgreSqlFixture.Variable) is { Length: > 0 } || PostgreSqlServer.BinDirectory is not null;
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!available && !ci)
            Skip = $"No PostgreSQL: set {PostgreSqlFixture.Variable} or install postgresql-15 (CI=true runs these tests and fails instead).";
    }
}
