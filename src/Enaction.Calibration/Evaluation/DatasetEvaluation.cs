using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Evaluation;

/// <summary>
/// The quality of the off-policy signature on a labelled dataset: the project's score and the curvature baseline,
/// overall and split by source, family, conversation shape and their pairs, plus the entropy gap between own and off-policy turns.
/// </summary>
/// <param name="Method">What the project's score was: <see cref="OffPolicyDetector.Rule"/>'s "calibrated", "curvature-calibrated" or "curvature".</param>
/// <param name="Threshold">The threshold the detector would apply.</param>
/// <param name="Groups">Separation rows.</param>
/// <param name="Entropy">Entropy gap rows, overall ("all") and per family.</param>
/// <param name="Skipped">Turns left out because the target had no scored token.</param>
/// <param name="Short">
/// Turns shorter than the detector's minimum (<see cref="DetectorOptions.MinTurnTokens"/>). The signature does not judge
/// them (a nucleus exit or the ledger does), so they are not in any group's metrics; each group counts its own
/// (<see cref="EvaluationGroup.ShortOwn"/>, <see cref="EvaluationGroup.ShortOff"/>) and those a nucleus exit flags
/// (<see cref="EvaluationGroup.ShortFlaggedOwn"/>, <see cref="EvaluationGroup.ShortFlaggedOff"/>).
/// </param>
public sealed record DatasetEvaluation(
    string Method,
    double Threshold,
    ImmutableArray<EvaluationGroup> Groups,
    ImmutableArray<EntropyGap> Entropy,
    int Skipped,
    int Short)
{
    /// <summary>
    /// The overconfident-span score and two baselines as predictors of a wrong own answer to a checkable prompt; null
    /// when the dataset has none with corpus answers.
    /// </summary>
    public ErrorPrediction? Errors { get; init; }

    /// <summary>Family name for rows over every family.</summary>
    public const string All = "all";

    /// <summary>Evaluates scored examples with <paramref name="calibration"/> (or the documented defaults).</summary>
    public static DatasetEvaluation Evaluate(IReadOnlyList<ScoredExample> examples, Calibration? calibration = null, DetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new DetectorOptions();
        var detector = new OffPolicyDetector(options);
        var rows = new List<Row>();
        var skipped = 0;
        var shortTurns = 0;
        var combination = calibration?.OffPolicy;
        if (combination is not null && !combination.Features.SequenceEqual(TurnFeatures.VectorNames))
            throw new ArgumentException($"the calibration weighs features [{string.Join(", ", combination.Features)}], which this build does not compute", nameof(calibration));
        var (threshold, method) = detector.Rule(calibration);
        foreach (var e in examples)
        {
            if (e.Features is not { } f) { skipped++; continue; }
            var judged = f.Tokens >= options.MinTurnTokens;
            if (!judged) shortTurns++;
            var (score, _, _) = detector.Signature(f, calibration);
            rows.Add(new Row(e.Example, score, f.Curvature, f.MeanEntropy, judged, !judged && OffPolicyDetector.ExitsNucleus(f)));
        }

        var groups = ImmutableArray.CreateBuilder<EvaluationGroup>();
        var families = rows.Select(r => r.Example.Family).Distinct().Order(StringComparer.Ordinal).ToList();
        var sources = SourcesIn(rows);
        groups.Add(Group("overall", All, All, rows, threshold));
        foreach (var source in sources)
            groups.Add(Group("source", All, source, rows.Where(r => !r.Example.OffPolicy || r.Example.Source == source), threshold));
        foreach (var family in families)
        {
            var inFamily = rows.Where(r => r.Example.Family == family).ToList();
            groups.Add(Group("family", family, All, inFamily, threshold));
        }
        foreach (var family in families)
        {
            var inFamily = rows.Where(r => r.Example.Family == family).ToList();
            foreach (var source in SourcesIn(inFamily))
                groups.Add(Group("family-source", family, source, inFamily.Where(r => !r.Example.OffPolicy || r.Example.Source == source), threshold));
        }

        var shapes = rows.Select(r => r.Example.Shape).Distinct().ToList();
        if (shapes.Count > 1)
        {
            // Known shapes in their documented order, then others alphabetically.
            shapes = [.. ConversationShapes.All.Where(shapes.Contains), .. shapes.Where(s => !ConversationShapes.All.Contains(s)).Order(StringComparer.Ordinal)];
            foreach (var shape in shapes)
                groups.Add(Group("shape", All, All, rows.Where(r => r.Example.Shape == shape), threshold, shape));
            foreach (var shape in shapes)
            {
                var inShape = rows.Where(r => r.Example.Shape == shape).ToList();
                foreach (var source in SourcesIn(inShape))
                    groups.Add(Group("shape-source", All, source, inShape.Where(r => !r.Example.OffPolicy || r.Example.Source == source), threshold, shape));
            }
        }

        var entropy = ImmutableArray.CreateBuilder<EntropyGap>();
        AddGaps(entropy, All, rows);
        foreach (var family in families) AddGaps(entropy, family, rows.Where(r => r.Example.Family == family).ToList());
        return new DatasetEvaluation(method, threshold, groups.ToImmutable(), entropy.ToImmutable(), skipped, shortTurns)
        {
            Errors = ErrorPrediction.Evaluate(examples, calibration, options),
        };
    }

    private static List<string> SourcesIn(IEnumerable<Row> rows)
    {
        var present = rows.Where(r => r.Example.OffPolicy).Select(r => r.Example.Source).ToHashSet(StringComparer.Ordinal);
        // Known sources in their documented order, then any others alphabetically.
        return [.. OffPolicySources.All.Where(present.Contains), .. present.Where(s => !OffPolicySources.All.Contains(s)).Order(StringComparer.Ordinal)];
    }

    private static EvaluationGroup Group(string split, string family, string source, IEnumerable<Row> rows, double threshold, string shape = All)
    {
        // The metrics are the detector's: over the turns it judges. A turn under the signature minimum gets no off-policy
        // finding whatever its score, so ranking or thresholding its score would measure a number nothing acts on.
        var list = rows.ToList();
        var negatives = list.Where(r => !r.Example.OffPolicy && r.Judged).ToList();
        var positives = list.Where(r => r.Example.OffPolicy && r.Judged).ToList();
        return new EvaluationGroup(split, family, source,
            SeparationMetrics.Of([.. negatives.Select(r => r.Score)], [.. positives.Select(r => r.Score)], threshold),
            SeparationMetrics.Of([.. negatives.Select(r => r.Curvature)], [.. positives.Select(r => r.Curvature)]), shape)
        {
            ShortOwn = list.Count(r => !r.Example.OffPolicy && !r.Judged),
            ShortOff = list.Count(r => r.Example.OffPolicy && !r.Judged),
            ShortFlaggedOwn = list.Count(r => !r.Example.OffPolicy && r.ShortExit),
            ShortFlaggedOff = list.Count(r => r.Example.OffPolicy && r.ShortExit),
        };
    }

    private static void AddGaps(ImmutableArray<EntropyGap>.Builder gaps, string family, List<Row> rows)
    {
        var own = rows.Where(r => !r.Example.OffPolicy).Select(r => r.MeanEntropy).ToList();
        var ownMean = own.Count > 0 ? own.Average() : double.NaN;
        if (own.Count > 0) gaps.Add(new EntropyGap(family, OffPolicySources.Own, own.Count, ownMean, 1));
        foreach (var source in SourcesIn(rows))
        {
            var values = rows.Where(r => r.Example.OffPolicy && r.Example.Source == source).Select(r => r.MeanEntropy).ToList();
            var mean = values.Average();
            gaps.Add(new EntropyGap(family, source, values.Count, mean, ownMean > 0 ? mean / ownMean : double.NaN));
        }
    }

    private sealed record Row(LabelledTranscript Example, double Score, double Curvature, double MeanEntropy, bool Judged, bool ShortExit);
}
