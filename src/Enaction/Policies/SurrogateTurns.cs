namespace Enaction.Policies;

/// <summary>
/// What a policy does with assistant messages scored by a surrogate, a model other than the one that wrote them
/// (YAML <c>surrogate</c>): its numbers are its own surprise, not the generator's.
/// </summary>
public enum SurrogateTurns
{
    /// <summary>
    /// <c>skip</c> (default): the signature detectors (off-policy, broken-intention, overconfident-span) raise no finding
    /// on them; the ledger, role-smuggling, self-echo and evaluation-awareness detectors still do.
    /// </summary>
    Skip,

    /// <summary>
    /// <c>judge</c>: the signature detectors judge them too, but only with a surrogate calibration fitted for that
    /// generator (<c>surrogate_for</c>), and every such finding says <c>source: surrogate</c>.
    /// </summary>
    Judge,
}
