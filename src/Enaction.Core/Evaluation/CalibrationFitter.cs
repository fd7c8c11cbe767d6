using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Evaluation;

/// <summary>
/// Fits a <see cref="Calibration"/> from scored own (on-policy) and off-policy turns: the off-policy logistic
/// combination of <see cref="TurnFeatures.Vector"/>, the overconfident-span and broken-intention baselines, every
/// threshold at the target false-positive rate on the own turns, and a report per detector.
/// </summary>
public static class CalibrationFitter
{
    /// <summary>Report keys in <see cref="Calibration.Reports"/>.</summary>
    public static class ReportNames
    {
        /// <summary>The calibrated off-policy combination.</summary>
        public const string OffPolicy = FindingKinds.OffPolicy;
        /// <summary>The Fast-DetectGPT-style analytic curvature alone (the uncalibrated default and the baseline).</summary>
        public const string Curvature = "curvature";
        /// <summary>Broken intention: first-token entropy after the boundary, z against own responses; positives are continued prefills.</summary>
        public const string BrokenIntention = FindingKinds.BrokenIntention;
        /// <summary>Overconfident spans: the largest window z of each own turn (no positives: it is a rate on the model's own text).</summary>
        public const string OverconfidentSpan = FindingKinds.OverconfidentSpan;
    }

    /// <summary>Fits a calibration.</summary>
    /// <param name="examples">Scored own and off-policy turns.</param>
    /// <param name="modelId">The model's identifier.</param>
    /// <param name="modelSha256">SHA-256 of the model's ONNX file (<see cref="Calibration.HashFile"/>).</param>
    /// <param name="targetFpr">The false-positive rate every threshold is set at, measured on the own turns.</param>
    /// <param name="options">Detector settings the thresholds must agree with (minimum turn length, span window).</param>
    /// <param name="fit">Logistic-regression settings.</param>
    /// <param name="created">Timestamp to record (default now).</param>
    /// <param name="features">The features the combination weighs (default: the detector's own).</param>
    public static Calibration Fit(
        IReadOnlyList<ScoredExample> examples,
        string modelId,
        string modelSha256,
        double targetFpr = 0.01,
        DetectorOptions? options = null,
        LogisticRegression.Options? fit = null,
        DateTimeOffset? created = null,
        OffPolicyFeatureSet? features = null)
    {
        features ??= OffPolicyFeatureSet.Standard;
        ArgumentNullException.ThrowIfNull(examples);
        if (!(targetFpr > 0 && targetFpr < 1)) throw new ArgumentOutOfRangeException(nameof(targetFpr), targetFpr, "the target false-positive rate must be between 0 and 1, e.g. 0.01");
        options ??= new DetectorOptions();

        // Off-policy combination: only turns the detector would judge.
        var judged = examples.Where(e => e.Features is { } f && f.Tokens >= options.MinTurnTokens).ToList();
        var ownCount = judged.Count(e => !e.Example.OffPolicy);
        var offCount = judged.Count - ownCount;
        if (ownCount < 2 || offCount < 2)
            throw new ArgumentException($"calibration needs at least two own and two off-policy turns of {options.MinTurnTokens}+ tokens; got {ownCount} own and {offCount} off-policy");
        var model = LogisticRegression.Fit([.. judged.Select(e => features.Vector(e)!)], [.. judged.Select(e => e.Example.OffPolicy)], fit);
        var offPolicy = new OffPolicyCalibration
        {
            Features = features.Names,
            Means = model.Means,
            Scales = model.Scales,
            Weights = model.Weights,
            Bias = model.Bias,
            Threshold = 0,
        };
        var (ownScores, offScores) = Split(judged, e => features.Score(offPolicy, e));
        var offPolicyReport = DetectorReports.From(ownScores, offScores, targetFpr);
        offPolicy = offPolicy with { Threshold = offPolicyReport.Threshold };
        var (ownCurvature, offCurvature) = Split(judged, e => e.Features!.Curvature);
        var curvatureReport = DetectorReports.From(ownCurvature, offCurvature, targetFpr);

        var reports = ImmutableDictionary.CreateBuilder<string, DetectorReport>();
        reports[ReportNames.OffPolicy] = offPolicyReport;
        reports[ReportNames.Curvature] = curvatureReport;

        var own = examples.Where(e => !e.Example.OffPolicy).ToList();
        var broken = BrokenIntention(own, examples.Where(e => e.Example.Source == OffPolicySources.Prefill).ToList(), targetFpr, reports);
        var span = OverconfidentSpan(own, targetFpr, options, reports);

        return new Calibration
        {
            ModelId = modelId,
            ModelSha256 = modelSha256,
            Created = created ?? DateTimeOffset.UtcNow,
            TargetFpr = targetFpr,
            OffPolicy = offPolicy,
            OverconfidentSpan = span,
            BrokenIntention = broken,
            Reports = reports.ToImmutable(),
        };
    }

    private static (List<double> Own, List<double> Off) Split(IEnumerable<ScoredExample> examples, Func<ScoredExample, double> score)
    {
        var own = new List<double>();
        var off = new List<double>();
        foreach (var e in examples)
        {
            var s = score(e);
            if (double.IsNaN(s)) continue;
            (e.Example.OffPolicy ? off : own).Add(s);
        }
        return (own, off);
    }

    /// <summary>Mean and SD of the first-token entropy of own responses; z threshold at the target rate.</summary>
    private static BaselineCalibration? BrokenIntention(List<ScoredExample> own, List<ScoredExample> prefills, double targetFpr,
        ImmutableDictionary<string, DetectorReport>.Builder reports)
    {
        static double? First(ScoredExample e) =>
            e.FromBoundary is { } f && f.FirstCount >= TurnFeatures.FirstTokens && !double.IsNaN(f.FirstEntropy) ? f.FirstEntropy : null;
        var values = own.Select(First).OfType<double>().ToList();
        if (values.Count < 2) return null;
        var (mean, sd) = MeanSd(values);
        if (!(sd > 0)) return null;
        var negatives = values.Select(v => (v - mean) / sd).ToList();
        var positives = prefills.Select(First).OfType<double>().Select(v => (v - mean) / sd).ToList();
        var report = DetectorReports.From(negatives, positives, targetFpr);
        reports[ReportNames.BrokenIntention] = report;
        return new BaselineCalibration(mean, sd, report.Threshold);
    }

    /// <summary>
    /// Mean and SD of own content-token entropy; the z threshold leaves at most the target share of own turns with an
    /// overconfident span. Window z-scores come from the detector itself, so the threshold means what it applies.
    /// </summary>
    private static BaselineCalibration? OverconfidentSpan(List<ScoredExample> own, double targetFpr, DetectorOptions options,
        ImmutableDictionary<string, DetectorReport>.Builder reports)
    {
        var entropies = new List<double>();
        foreach (var e in own)
            foreach (var t in e.Scores.Tokens)
                if (t.Message == e.Example.Target && t.HasScore && ContentTokens.IsContent(t)) entropies.Add(t.Entropy);
        if (entropies.Count < 2 || own.Count < 2) return null;
        var (mean, sd) = MeanSd(entropies);
        if (!(sd > 0)) return null;

        var probe = new Calibration
        {
            ModelId = "",
            ModelSha256 = "",
            OverconfidentSpan = new BaselineCalibration(mean, sd, double.NegativeInfinity),
        };
        var detector = new OverconfidentSpanDetector(options);
        var largest = new List<double>();
        var findings = new List<Finding>();
        foreach (var e in own)
        {
            findings.Clear();
            detector.Detect(new DetectionContext(e.Scores, probe), findings);
            var max = double.NegativeInfinity;
            foreach (var f in findings)
                if (f.Message == e.Example.Target && f.Score > max) max = f.Score;
            largest.Add(max);
        }
        var report = DetectorReports.From(largest, [], targetFpr);
        // When too few own turns have any window under the entropy cap, the budget allows them all: keep the default z.
        if (!double.IsFinite(report.Threshold) || report.Threshold < -1e300) report = report with { Threshold = options.SpanThreshold, Fpr = Math.Round((double)largest.Count(z => z >= options.SpanThreshold) / largest.Count, 6) };
        reports[ReportNames.OverconfidentSpan] = report;
        return new BaselineCalibration(mean, sd, report.Threshold);
    }

    private static (double Mean, double Sd) MeanSd(List<double> values)
    {
        double sum = 0, sum2 = 0;
        foreach (var v in values) { sum += v; sum2 += v * v; }
        var mean = sum / values.Count;
        return (mean, Math.Sqrt(Math.Max(0, sum2 / values.Count - mean * mean)));
    }
}
