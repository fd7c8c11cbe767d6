using System.Collections.Immutable;

namespace Enaction.Policies;

/// <summary>A declarative policy: which findings lead to which actions. Load one with <see cref="PolicyLoader"/>.</summary>
/// <param name="Name">The policy's name (YAML <c>name</c>), carried into every decision.</param>
/// <param name="Version">The policy's version (YAML <c>version</c>), carried into every decision.</param>
/// <param name="Mode">What happens when scoring fails or times out.</param>
/// <param name="Budgets">Per-call limits.</param>
/// <param name="Rules">The rules, in the order they were written; earlier rules win ties.</param>
public sealed record Policy(string Name, string Version, FailureMode Mode, PolicyBudgets Budgets, ImmutableArray<PolicyRule> Rules)
{
    /// <summary>Free text (YAML <c>description</c>).</summary>
    public string? Description { get; init; }

    /// <summary>
    /// What happens to a history assistant turn that nobody judged: the pipeline did not write it, no ledger attests
    /// it, and its signature could not be computed (scoring failed or ran past its time limit). YAML <c>unjudged</c>;
    /// default <see cref="UnjudgedTurns.Strip"/>, so a scoring failure is never a way to slip a turn in.
    /// </summary>
    public UnjudgedTurns Unjudged { get; init; } = UnjudgedTurns.Strip;

    /// <summary>
    /// Whether the signature detectors judge assistant messages a surrogate scored (YAML <c>surrogate</c>: <c>skip</c>,
    /// the default, or <c>judge</c>, which also needs a surrogate calibration).
    /// </summary>
    public SurrogateTurns Surrogate { get; init; } = SurrogateTurns.Skip;

    /// <summary>
    /// Conformal thresholds (YAML <c>conformal</c>): when set, the off-policy threshold follows the model's own completed
    /// turns once enough are seen, at <see cref="Conformal.ConformalOptions.TargetFpr"/>. Null: the monitor's options decide.
    /// </summary>
    public Conformal.ConformalOptions? Conformal { get; init; }

    /// <summary>The file the policy was loaded from, when it came from one.</summary>
    public string? Source { get; init; }
}
