namespace Enaction.Policies;

/// <summary>Where a policy element was written: file, 1-based line and column.</summary>
public sealed record PolicySourceLocation(string File, long Line, long Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}";
}
