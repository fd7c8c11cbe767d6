namespace Enaction.Actions;

/// <summary>Verifiers and escalation callbacks the host registered, by the names policies use.</summary>
public sealed class VerifierRegistry
{
    private readonly Dictionary<string, IVerifier> _verifiers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<EscalationContext, CancellationToken, ValueTask>> _escalations = new(StringComparer.Ordinal);

    /// <summary>Registers (or replaces) a verifier.</summary>
    public VerifierRegistry AddVerifier(string name, IVerifier verifier)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _verifiers[name] = verifier ?? throw new ArgumentNullException(nameof(verifier));
        return this;
    }

    /// <summary>Registers (or replaces) an escalation callback.</summary>
    public VerifierRegistry AddEscalation(string name, Func<EscalationContext, CancellationToken, ValueTask> callback)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _escalations[name] = callback ?? throw new ArgumentNullException(nameof(callback));
        return this;
    }

    /// <summary>Registered verifier names.</summary>
    public IReadOnlyCollection<string> Verifiers => _verifiers.Keys;

    /// <summary>Registered escalation names.</summary>
    public IReadOnlyCollection<string> Escalations => _escalations.Keys;

    /// <summary>The verifier called <paramref name="name"/>, if registered.</summary>
    public IVerifier? FindVerifier(string name) => _verifiers.GetValueOrDefault(name);

    /// <summary>The escalation callback called <paramref name="name"/>, if registered.</summary>
    public Func<EscalationContext, CancellationToken, ValueTask>? FindEscalation(string name) => _escalations.GetValueOrDefault(name);

    /// <summary>The names as policy references, so a policy naming an unregistered verifier is rejected on load.</summary>
    public Policies.PolicyReferences ToReferences() => new(_verifiers.Keys, _escalations.Keys);
}
