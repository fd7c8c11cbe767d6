using Enaction.Policies;

namespace Enaction.Monitoring;

/// <summary>
/// The monitor as integrations see it: one <see cref="IMonitoredExchange"/> per model call. Hosts can fake it in
/// their own tests.
/// </summary>
public interface IConversationMonitor
{
    /// <summary>The policy engine in force now.</summary>
    PolicyEngine Policy { get; }

    /// <summary>
    /// Starts one call: takes the conversation's gate (held until the exchange is disposed, so the turns of one
    /// conversation run one at a time) and judges the request. The request verdict is on
    /// <see cref="IMonitoredExchange.RequestVerdict"/>.
    /// </summary>
    Task<IMonitoredExchange> BeginAsync(ExchangeRequest request, CancellationToken cancellationToken = default);
}
