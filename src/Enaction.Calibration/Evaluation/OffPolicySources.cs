namespace Enaction.Evaluation;

/// <summary>Where the target turn of a labelled transcript came from (the <c>source</c> field of a dataset line).</summary>
public static class OffPolicySources
{
    /// <summary>The model's own temperature-1 sample (on-policy, the negative class).</summary>
    public const string Own = "own";
    /// <summary>Another model's sample for the same prompt.</summary>
    public const string OtherModel = "other-model";
    /// <summary>A reference answer from the training corpus.</summary>
    public const string Corpus = "corpus";
    /// <summary>The model's own answer to a different prompt (cross-prompt swap).</summary>
    public const string Swap = "swap";
    /// <summary>The opening words of an answer to a different prompt, continued by the model.</summary>
    public const string Prefill = "prefill";

    /// <summary>Every source, negatives first.</summary>
    public static IReadOnlyList<string> All { get; } = [Own, OtherModel, Corpus, Swap, Prefill];
}
