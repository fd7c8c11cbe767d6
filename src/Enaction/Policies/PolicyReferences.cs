namespace Enaction.Policies;

/// <summary>
/// The verifier and escalation callback names the host has registered. Policies only reference these names;
/// <see cref="Validate"/> checks that every reference resolves.
/// </summary>
public sealed class PolicyReferences
{
    private readonly HashSet<string> _verifiers;
    private readonly HashSet<string> _escalations;
    private readonly HashSet<string> _kinds;

    /// <summary>
    /// Creates the set of known names (compared ordinally). <paramref name="findingKinds"/> are the kinds the host's
    /// detectors report beyond the built-in <see cref="Detection.FindingKinds.All"/> (custom detectors register theirs
    /// through <see cref="Detection.IDetector.Kinds"/>); rules may match any of them.
    /// </summary>
    public PolicyReferences(IEnumerable<string> verifiers, IEnumerable<string> escalations, IEnumerable<string>? findingKinds = null)
    {
        _verifiers = new HashSet<string>(verifiers ?? throw new ArgumentNullException(nameof(verifiers)), StringComparer.Ordinal);
        _escalations = new HashSet<string>(escalations ?? throw new ArgumentNullException(nameof(escalations)), StringComparer.Ordinal);
        _kinds = new HashSet<string>(Detection.FindingKinds.All, StringComparer.Ordinal);
        if (findingKinds is not null) _kinds.UnionWith(findingKinds);
    }

    /// <summary>Finding kinds rules may match: the built-in ones and those of the registered detectors.</summary>
    public IReadOnlySet<string> FindingKinds => _kinds;

    /// <summary>These names with <paramref name="kinds"/> added to the finding kinds (a detector set's <see cref="Detection.DetectorSet.Kinds"/>).</summary>
    public PolicyReferences WithFindingKinds(IEnumerable<string> kinds) => new(_verifiers, _escalations, _kinds.Concat(kinds)) { Actions = Actions };

    /// <summary>These names with the actions of <paramref name="actions"/> (the host's handlers beside the built-in ones).</summary>
    public PolicyReferences WithActions(Actions.ActionHandlerRegistry actions) =>
        new(_verifiers, _escalations, _kinds) { Actions = actions ?? throw new ArgumentNullException(nameof(actions)) };

    /// <summary>The actions rules may ask for: the built-in ones unless a host registry is given (<see cref="WithActions"/>).</summary>
    public Actions.ActionHandlerRegistry Actions { get; private init; } = Enaction.Actions.ActionHandlerRegistry.BuiltIn;

    /// <summary>Names usable in <c>verify: {verifier: NAME}</c>.</summary>
    public IReadOnlySet<string> Verifiers => _verifiers;

    /// <summary>Names usable in <c>escalate: {callback: NAME}</c>.</summary>
    public IReadOnlySet<string> Escalations => _escalations;

    /// <summary>
    /// Throws <see cref="PolicyValidationException"/> at the first action that names a verifier or callback the
    /// host has not registered, listing the registered names.
    /// </summary>
    public void Validate(Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var rule in policy.Rules)
        {
            foreach (var action in rule.Actions)
            {
                var (what, name, known) = action switch
                {
                    VerifyAction v => ("verifier", v.Verifier, _verifiers),
                    EscalateAction e => ("escalation callback", e.Callback, _escalations),
                    _ => (null, null, null),
                };
                if (what is null || known!.Contains(name!)) continue;
                var expected = known.Count == 0
                    ? $"the host has registered no {what}s"
                    : $"expected one of {string.Join(", ", known.Order(StringComparer.Ordinal))}";
                var location = action.Location ?? rule.Location;
                throw new PolicyValidationException(
                    location?.File ?? policy.Source ?? "<policy>", location?.Line, location?.Column,
                    $"rule \"{rule.Name}\" references unknown {what} \"{name}\"; {expected}");
            }
        }
    }
}
