namespace Enaction.Policies;

/// <summary><c>resample</c>: generate <see cref="Count"/> candidates and keep one.</summary>
/// <param name="Count">How many candidates to generate (YAML <c>n</c>, at least 1, default 3).</param>
/// <param name="TemperatureDelta">Added to the call's temperature for the candidates (<c>temperature_delta</c>, default 0).</param>
/// <param name="Keep">Which candidate wins (<c>keep</c>, default <c>lowest-risk</c>).</param>
public sealed record ResampleAction(int Count, double TemperatureDelta, ResampleKeep Keep) : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Resample;
}
