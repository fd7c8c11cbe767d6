namespace Enaction.Policies;

/// <summary><c>block</c>: replace the response with <see cref="Replacement"/>, or throw a typed exception.</summary>
/// <param name="Replacement">The text the caller gets instead (<c>replacement</c>); null when <paramref name="Throw"/> is set.</param>
/// <param name="Throw">Throw instead of replacing (<c>throw: true</c>).</param>
public sealed record BlockAction(string? Replacement, bool Throw) : PolicyAction
{
    /// <summary>The replacement used when a policy names neither <c>replacement</c> nor <c>throw</c>.</summary>
    public const string DefaultReplacement = "This response was withheld by the safety policy.";

    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Block;
}
