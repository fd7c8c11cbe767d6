namespace Enaction.Policies;

/// <summary>An inclusive range of finding scores (YAML <c>score: {min, max}</c>); an absent bound is open.</summary>
public sealed record ScoreRange(double? Min, double? Max)
{
    /// <summary>The range that contains every score.</summary>
    public static ScoreRange Any { get; } = new(null, null);

    /// <summary>Whether <paramref name="score"/> lies within the range (bounds included).</summary>
    public bool Contains(double score) => (Min is not { } min || score >= min) && (Max is not { } max || score <= max);
}
