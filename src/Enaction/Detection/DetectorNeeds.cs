namespace Enaction.Detection;

/// <summary>
/// What a detector reads (<see cref="IDetector.Needs"/>). The token statistics (<see cref="Distribution"/>,
/// <see cref="ResponseLogprobs"/>, <see cref="PromptLogprobs"/>) are alternatives: a detector works from any one it
/// names, and is off for a message whose scoring source supplies none of them (a surrogate-scored message, unless the
/// policy says <c>surrogate: judge</c>). <see cref="Ledger"/> adds the provenance ledger, whose verdicts stand whatever
/// the source. <see cref="None"/>: the text and token ids only, so the detector works whatever the source.
/// </summary>
[Flags]
public enum DetectorNeeds
{
    /// <summary>Text and token ids only: works whatever the source.</summary>
    None = 0,

    /// <summary>The full next-token distribution at every token (same-model scoring).</summary>
    Distribution = 1,

    /// <summary>Top-k log-probabilities of the response tokens, as a generator returns them with its answer.</summary>
    ResponseLogprobs = 2,

    /// <summary>Top-k log-probabilities of every prompt token, history turns included, as a serving engine returns them.</summary>
    PromptLogprobs = 4,

    /// <summary>
    /// The provenance ledger. A detector that reads it judges every message itself: its ledger verdicts apply whatever
    /// the source, and it asks <see cref="DetectionContext.Reads"/> before using a message's token statistics.
    /// </summary>
    Ledger = 8,

    /// <summary>Any of the token statistics.</summary>
    Statistics = Distribution | ResponseLogprobs | PromptLogprobs,
}
