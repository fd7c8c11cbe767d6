using Microsoft.Extensions.Logging;

namespace Enaction.Provenance;

/// <summary>The provenance ledger's structured events (ids 4201–4209; stores raise theirs in the same range).</summary>
public static partial class ProvenanceEvents
{
    /// <summary>Event id of <see cref="WeakKeyAccepted"/>.</summary>
    public const int WeakKeyAcceptedId = 4201;

    /// <summary>Event id of a store that lost its file or server under a running host (raised by the store).</summary>
    public const int StoreLostId = 4202;

    /// <summary>Event id of a store that created a new, empty ledger (raised by the store).</summary>
    public const int StoreCreatedId = 4203;

    /// <summary>A store created a new ledger where nothing existed.</summary>
    [LoggerMessage(EventId = StoreCreatedId, EventName = nameof(StoreCreated), Level = LogLevel.Information,
        Message = "Attestation store {Store} created a new, empty ledger {LedgerId}")]
    public static partial void StoreCreated(ILogger logger, string store, string ledgerId);

    /// <summary>A weak key was accepted because the environment is Development.</summary>
    [LoggerMessage(EventId = WeakKeyAcceptedId, EventName = nameof(WeakKeyAccepted), Level = LogLevel.Warning,
        Message = "Provenance key for tenant {Tenant} is weak ({Reason}); accepted only because the environment is {Environment}. Anyone with this key can forge attestations")]
    public static partial void WeakKeyAccepted(ILogger logger, string tenant, string reason, string environment);

    /// <summary>A store found that its file or server is no longer the one it opened, and stopped.</summary>
    [LoggerMessage(EventId = StoreLostId, EventName = nameof(StoreLost), Level = LogLevel.Error,
        Message = "Attestation store {Store} is unusable: {Problem}. Nothing more is written to it or read from it")]
    public static partial void StoreLost(ILogger logger, string store, string problem);
}
