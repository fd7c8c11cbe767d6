using System.Collections.Immutable;

namespace Enaction.Policies;

/// <summary>
/// An action a host registered (see <see cref="Actions.ActionHandler"/>), as a policy file wrote it: its name and its
/// settings as text (<c>- notify: {channel: ops}</c>). Two custom actions are the same action when name and settings match.
/// </summary>
/// <param name="ActionName">The registered name.</param>
/// <param name="Settings">The settings under the name, as text.</param>
/// <param name="ActionStrictness">Where it sorts among a decision's actions (0 like log .. 4 like block), from its handler.</param>
public sealed record CustomAction(string ActionName, ImmutableSortedDictionary<string, string> Settings, int ActionStrictness) : PolicyAction
{
    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Custom;

    /// <inheritdoc />
    public override string Name => ActionName;

    /// <inheritdoc />
    public override int Strictness => ActionStrictness;

    /// <inheritdoc />
    public bool Equals(CustomAction? other) =>
        other is not null && base.Equals(other) && string.Equals(ActionName, other.ActionName, StringComparison.Ordinal) &&
        ActionStrictness == other.ActionStrictness && Settings.Count == other.Settings.Count &&
        Settings.All(pair => other.Settings.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode(ActionName), Settings.Count);
}
