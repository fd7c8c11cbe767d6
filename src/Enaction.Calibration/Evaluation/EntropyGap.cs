namespace Enaction.Evaluation;

/// <summary>
/// The paper's measure for one source: mean next-token entropy (nats) of the target turn's tokens, averaged over
/// turns, and its ratio to the own turns of the same family.
/// </summary>
/// <param name="Family">The family, or "all".</param>
/// <param name="Source">The source.</param>
/// <param name="Turns">Turns averaged.</param>
/// <param name="MeanEntropy">Mean over turns of the turn's mean entropy.</param>
/// <param name="Ratio">MeanEntropy divided by the own turns' (1 for own).</param>
public sealed record EntropyGap(string Family, string Source, int Turns, double MeanEntropy, double Ratio);
