using System.Collections.Immutable;

namespace Enaction.Policies;

/// <summary>
/// <c>annotate</c>: add metadata to the response. The executor adds the matched findings; <see cref="Metadata"/>
/// adds fixed keys on top (YAML <c>metadata: {key: value}</c>).
/// </summary>
public sealed record AnnotateAction(ImmutableSortedDictionary<string, string> Metadata) : PolicyAction
{
    /// <summary>An annotate action with no extra keys.</summary>
    public AnnotateAction() : this(ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal)) { }

    /// <inheritdoc />
    public override PolicyActionKind Kind => PolicyActionKind.Annotate;

    /// <inheritdoc />
    public bool Equals(AnnotateAction? other) =>
        other is not null && base.Equals(other) && Metadata.Count == other.Metadata.Count &&
        Metadata.All(pair => other.Metadata.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Metadata.Count);
}
