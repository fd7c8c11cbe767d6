using Enaction.Transcripts;

namespace Enaction.Realism;

/// <summary>
/// Samples the model's own next assistant turn for <paramref name="context"/> (which ends before the turn) with the
/// sampler the model is deployed with, reproducibly for a given <paramref name="seed"/>.
/// </summary>
/// <param name="context">The messages before the turn.</param>
/// <param name="seed">The sampling seed.</param>
/// <param name="cancellationToken">Cancels the generation.</param>
/// <returns>The text of the turn.</returns>
public delegate ValueTask<string> OwnTurnSampler(Transcript context, int seed, CancellationToken cancellationToken);
