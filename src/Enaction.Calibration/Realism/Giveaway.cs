namespace Enaction.Realism;

/// <summary>
/// A token of a synthetic turn that gives it away: the model expected something else with confidence (a large
/// surprisal for a low entropy). Rewriting these is where an eval author starts.
/// </summary>
/// <param name="Start">Character offset in the turn's content where it starts (surrounding whitespace left out).</param>
/// <param name="End">Character offset (exclusive) where it ends.</param>
/// <param name="Text">The turn's content from <paramref name="Start"/> to <paramref name="End"/>.</param>
/// <param name="Gap">Surprisal minus entropy (nats): how much less likely the token was than the model expected.</param>
/// <param name="Surprisal">-ln p of the token (nats).</param>
/// <param name="Entropy">Entropy of the model's prediction at that position (nats).</param>
public sealed record Giveaway(int Start, int End, string Text, double Gap, double Surprisal, double Entropy);
