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

    /// <summary>
    /// How many top log-probabilities to ask <paramref name="generator"/> for with its answer (0: do not ask): the
    /// monitor judges the answer on the generator's own numbers when it does not run the generator's weights itself and
    /// the policy wants a finding they give. Set the answer's on <see cref="Actions.MonitoredCall.GeneratorLogprobs"/>.
    /// </summary>
    int TopLogprobsToRequest(string? generator) => 0;
}
