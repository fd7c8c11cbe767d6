using Enaction.Provenance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Enaction.PostgreSql.Provenance;

/// <summary>Registers <see cref="PostgreSqlAttestationStore"/> as the host's <see cref="IAttestationStore"/>.</summary>
public static class PostgreSqlAttestationStoreServiceCollectionExtensions
{
    /// <summary>
    /// Uses a PostgreSQL server as the attestation store, replacing any store registered before. The store connects and
    /// migrates when first resolved (at start-up in a host that builds the monitor); a server that cannot be reached
    /// then stops the host with an <see cref="AttestationStoreException"/> naming it. With <c>AddEnactionMonitor</c>,
    /// set <c>Enaction:Provenance:Store</c> to <c>registered</c>.
    /// </summary>
    public static IServiceCollection AddPostgreSqlAttestationStore(
        this IServiceCollection services, string connectionString, Action<PostgreSqlAttestationStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Register(services, sp =>
        {
            var options = Options(configure);
            options.ConnectionString = connectionString;
            return PostgreSqlAttestationStore.OpenAsync(options).GetAwaiter().GetResult();
        });
    }

    /// <summary>Uses <paramref name="dataSource"/> (owned by the caller) as the attestation store's server; see the other overload.</summary>
    public static IServiceCollection AddPostgreSqlAttestationStore(
        this IServiceCollection services, NpgsqlDataSource dataSource, Action<PostgreSqlAttestationStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Register(services, sp => PostgreSqlAttestationStore.OpenAsync(dataSource, Options(configure)).GetAwaiter().GetResult());
    }

    private static PostgreSqlAttestationStoreOptions Options(Action<PostgreSqlAttestationStoreOptions>? configure)
    {
        var options = new PostgreSqlAttestationStoreOptions();
        configure?.Invoke(options);
        return options;
    }

    private static IServiceCollection Register(IServiceCollection services, Func<IServiceProvider, PostgreSqlAttestationStore> open)
    {
        services.RemoveAll<IAttestationStore>();
        services.AddSingleton(open);
        services.AddSingleton<IAttestationStore>(sp => sp.GetRequiredService<PostgreSqlAttestationStore>());
        return services;
    }
}
