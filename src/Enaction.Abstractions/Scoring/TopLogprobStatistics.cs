namespace Enaction.Scoring;

/// <summary>
/// The statistics of one position computed from its top-k log-probabilities (<see cref="TopLogprobEntropy.Compute"/>).
/// All values are in nats.
/// </summary>
/// <param name="EntropyLower">A lower bound of the position's entropy (the tail packed under the smallest listed probability).</param>
/// <param name="EntropyUpper">An upper bound of the position's entropy (the tail spread evenly over the unlisted vocabulary).</param>
/// <param name="Entropy">The point estimate: the midpoint of the bounds.</param>
/// <param name="Surprisal">−ln p of the observed token: exact when <paramref name="SurprisalExact"/>, else the tail model's estimate.</param>
/// <param name="SurprisalLower">A lower bound of the surprisal (equal to <paramref name="Surprisal"/> when exact).</param>
/// <param name="SurprisalExact">True when the observed token's log-probability was given.</param>
/// <param name="Rank">1 for the top choice; k + 1 (a lower bound) for a token outside the list whose rank the engine did not give.</param>
/// <param name="LogProbVariance">Var[ln p] under the estimate's tail model.</param>
/// <param name="TailMass">1 − the listed probabilities (and the observed token's when it was given outside the list).</param>
public readonly record struct TopLogprobStatistics(
    double EntropyLower,
    double EntropyUpper,
    double Entropy,
    double Surprisal,
    double SurprisalLower,
    bool SurprisalExact,
    int Rank,
    double LogProbVariance,
    double TailMass);
