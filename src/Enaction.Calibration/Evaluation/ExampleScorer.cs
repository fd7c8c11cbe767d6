using Enaction.Detection;
using Enaction.Scoring;

namespace Enaction.Evaluation;

/// <summary>
/// Scores labelled transcripts with one model (teacher forcing), in the order given: each transcript, and its target
/// turn again with the request emptied (<see cref="PromptContrast"/>), as the off-policy detector does.
/// </summary>
public static class ExampleScorer
{
    /// <summary>
    /// Scores every example. <paramref name="progress"/> receives the number finished so far;
    /// <paramref name="parallelism"/> scores that many transcripts at once (the scorer is thread-safe).
    /// </summary>
    public static async Task<IReadOnlyList<ScoredExample>> ScoreAsync(
        IConversationScorer scorer,
        IReadOnlyList<LabelledTranscript> examples,
        IProgress<int>? progress = null,
        int parallelism = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(examples);
        if (parallelism < 1) throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism, "parallelism must be at least 1");
        var results = new ScoredExample[examples.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, examples.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var example = examples[i];
                var scores = await scorer.ScoreAsync(example.Transcript, ct).ConfigureAwait(false);
                var contrast = PromptContrast.Ablate(example.Transcript, example.Target) is { } ablated
                    ? await scorer.ScoreAsync(ablated, ct).ConfigureAwait(false)
                    : null;
                results[i] = new ScoredExample(example, scores, contrast);
                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        return results;
    }
}
