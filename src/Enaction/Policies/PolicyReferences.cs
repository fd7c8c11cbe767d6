namespace Enaction.Policies;

/// <summary>
/// The verifier and escalation callback names the host has registered. Policies only reference these names;
/// <see cref="Validate"/> checks that every reference resolves.
/// </summary>
public sealed class PolicyReferences
{
    private readonly HashSet<string> _verifiers;
    private readonly HashSet<string> _escalations;

    /// <summary>Creates the set of known names (compared ordinally).</summary>
    public PolicyReferences(IEnumerable<string> verifiers, IEnumerable<string> escalations)
    {
        _verifiers = new HashSet<string>(verifiers ?? throw new ArgumentNullException(nameof(verifiers)), StringComparer.Ordinal);
        _escalations = new HashSet<string>(escalations ?? throw new ArgumentNullException(nameof(escalations)), StringComparer.Ordinal);
    }

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
