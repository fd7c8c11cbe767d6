namespace Enaction.Realism;

/// <summary>What resampling a recognisable synthetic turn came to.</summary>
/// <param name="Replaced">True when one of the model's own samples blended in and kept the turn's constraint.</param>
/// <param name="Attempts">Samples drawn.</param>
/// <param name="Content">The replacement text, or null when the turn was not replaced.</param>
/// <param name="Realism">The replacement judged in the turn's place, or null.</param>
/// <param name="Rejected">Why the rejected samples were rejected, counted: <c>constraint</c> (the <c>keep</c>
/// expression did not match), <c>constraint-timeout</c> (it ran out of time), <c>recognisable</c>, <c>too-short</c>,
/// <c>empty</c>.</param>
public sealed record ResampleOutcome(
    bool Replaced,
    int Attempts,
    string? Content,
    TurnRealism? Realism,
    IReadOnlyDictionary<string, int> Rejected);
