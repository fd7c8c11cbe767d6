using System.Collections.Immutable;
using Enaction.Conformal;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Evaluation;

/// <summary>
/// Split conformal calibration offline: the same threshold the monitor sets from its own completed turns
/// (<see cref="ConformalThresholds"/>), from own turns recorded in the audit trail or sampled for an experiment.
/// Each own turn is scored as the off-policy detector scores a turn it judges (its features with the prompt contrast,
/// under the given calibration's combination, or the curvature without one); the threshold is the conformal quantile of
/// those scores (<see cref="ConformalQuantile"/>).
/// </summary>
public static class ConformalCalibrator
{
    /// <summary>
    /// The own turns of an audit record: the generated assistant messages returned whole. Not a message that continues
    /// a prefill (an assistant message right before it), not a resample's replacement (chosen for its low risk, so not
    /// a fair draw), and none of a blocked call (nothing generated was returned).
    /// </summary>
    public static IReadOnlyList<int> OwnTurns(TurnRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Actions.Any(a => a.Action == "resample" && a.Outcome == Actions.ActionOutcome.Outcomes.Replaced)) return [];
        var turns = new List<int>();
        foreach (var g in record.Generated)
        {
            if (g < 0 || g >= record.Messages.Count || !IsAssistant(record.Messages[g].Role)) continue;
            if (g > 0 && IsAssistant(record.Messages[g - 1].Role)) continue;
            turns.Add(g);
        }
        return turns;
    }

    private static bool IsAssistant(string role) => MessageRoles.TryParse(role, out var parsed) && parsed == MessageRole.Assistant;

    /// <summary>
    /// The off-policy score of each own turn (<paramref name="turns"/>: a transcript and the index of the model's own
    /// assistant message in it) as <see cref="OffPolicyDetector"/> scores a judged turn under
    /// <paramref name="calibration"/>; turns shorter than the signature minimum have none (NaN).
    /// </summary>
    public static async Task<IReadOnlyList<double>> ScoreAsync(IConversationScorer scorer, IReadOnlyList<(Transcript Transcript, int Message)> turns,
        Calibration? calibration, DetectorOptions? options = null, IProgress<int>? progress = null, int parallelism = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(turns);
        var detector = new OffPolicyDetector(options);
        var examples = turns.Select(t => new LabelledTranscript(t.Transcript.Take(t.Message + 1), t.Message, false, "own", "own")).ToList();
        var scored = await ExampleScorer.ScoreAsync(scorer, examples, progress, parallelism, cancellationToken).ConfigureAwait(false);
        var scores = new double[scored.Count];
        for (var i = 0; i < scored.Count; i++)
            scores[i] = scored[i].Features is { } f && f.Tokens >= detector.Options.MinTurnTokens ? detector.Signature(f, calibration).Score : double.NaN;
        return scores;
    }

    /// <summary>
    /// <paramref name="calibration"/> (or, with none, a calibration holding only the curvature threshold) with its
    /// off-policy threshold replaced by <paramref name="threshold"/> and the conformal provenance recorded.
    /// </summary>
    public static Calibration Apply(Calibration? calibration, ConformalThreshold threshold, string modelId, string modelSha256,
        string source, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(threshold);
        var conformal = new ConformalCalibration
        {
            TargetFpr = threshold.TargetFpr,
            SampleSize = threshold.SampleSize,
            Rank = threshold.Rank,
            OrderStatistic = threshold.OrderStatistic,
            Source = source,
        };
        var result = WithOffPolicyThreshold(calibration, threshold.Value, modelId, modelSha256);
        if (result.OffPolicy is null && result.Reports.TryGetValue("curvature", out var report))
            result = result with { Reports = result.Reports.SetItem("curvature", report with { Fpr = threshold.ExpectedFpr, Negatives = threshold.SampleSize }) };
        return result with { Created = created, TargetFpr = threshold.TargetFpr, Conformal = conformal };
    }

    /// <summary>
    /// <paramref name="calibration"/> with its off-policy threshold set to <paramref name="threshold"/>: the combination's,
    /// or without one the curvature report's (the detector then judges by the curvature at it). With no calibration, one
    /// that holds only that curvature threshold for the model.
    /// </summary>
    public static Calibration WithOffPolicyThreshold(Calibration? calibration, double threshold, string modelId, string modelSha256)
    {
        var result = calibration ?? new Calibration { ModelId = modelId, ModelSha256 = modelSha256 };
        if (result.OffPolicy is { } off) return result with { OffPolicy = off with { Threshold = threshold } };
        var report = (result.Reports.GetValueOrDefault("curvature") ?? new DetectorReport { Auroc = double.NaN, Tpr = double.NaN }) with { Threshold = threshold };
        return result with { Reports = result.Reports.SetItem("curvature", report) };
    }
}
