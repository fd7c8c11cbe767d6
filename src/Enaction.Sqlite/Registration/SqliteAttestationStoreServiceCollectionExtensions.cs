using Enaction.Provenance;
using Enaction.Sqlite.Provenance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Enaction.Sqlite;

/// <summary>Registers the SQLite attestation store for one host.</summary>
public static class SqliteAttestationStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SqliteAttestationStore"/> at <paramref name="path"/> as the <see cref="IAttestationStore"/>
    /// the monitor's ledger uses (the file is created when missing; a corrupt or foreign file is a clear error).
    /// </summary>
    public static IServiceCollection AddSqliteAttestationStore(this IServiceCollection services, string path)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The ledger database path is not set; expected a file path such as data/ledger.db (Enaction:Provenance:Path).", nameof(path));
        services.TryAddSingleton<IAttestationStore>(_ => SqliteAttestationStore.OpenAsync(path).GetAwaiter().GetResult());
        return services;
    }
}
