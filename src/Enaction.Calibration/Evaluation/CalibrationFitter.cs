using System.Collections.Immutable;
using Enaction.Detection;

namespace Enaction.Evaluation;

/// <summary>
/// Fits a <see cref="Calibration"/> from scored own (on-policy) and off-policy turns: the off-policy logistic
/// combination of <see cref="TurnFeatures.Vector"/>, the overconfident-span and broken-intention baselines, every
/// threshold at the target false-positive rate on the own turns, and a report per detector.
/// </summary>
[System.Diagnostics.CodeAnalysis.Experimental(Experimental.ResearchGrade)]
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

    /// <summary>Fits a calibration (see <see cref="FitWithCandidates"/> for the parameters).</summary>
    public static Calibration Fit(
        IReadOnlyList<ScoredExample> examples,
        string modelId,
        string modelSha256,
        double targetFpr = 0.01,
        DetectorOptions? options = null,
        LogisticRegression.Options? fit = null,
        DateTimeOffset? created = null) =>
        FitWithCandidates(examples, modelId, modelSha256, targetFpr, options, fit, created).Calibration;

    /// <summary>Fits a calibration and says which off-policy combinations it tried.</summary>
    /// <param name="examples">Scored own and off-policy turns.</param>
    /// <param name="modelId">The model's identifier.</param>
    /// <param name="modelSha256">SHA-256 of the model's ONNX file (<see cref="Calibration.HashFile"/>).</param>
    /// <param name="targetFpr">The false-positive rate every threshold is set at, measured on the own turns.</param>
    /// <param name="options">Detector settings the thresholds must agree with (minimum turn length, span window).</param>
    /// <param name="fit">Logistic-regression settings.</param>
    /// <param name="created">Timestamp to record (default now).</param>
    public static Result FitWithCandidates(
        IReadOnlyList<ScoredExample> examples,
        string modelId,
        string modelSha256,
        double targetFpr = 0.01,
        DetectorOptions? options = null,
        LogisticRegression.Options? fit = null,
        DateTimeOffset? created = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (!(targetFpr > 0 && targetFpr < 1)) throw new ArgumentOutOfRangeException(nameof(targetFpr), targetFpr, "the target false-positive rate must be between 0 and 1, e.g. 0.01");
        options ??= new DetectorOptions();

        // Off-policy combination: only turns the detector would judge.
        var judged = examples.Where(e => e.Features is { } f && f.Tokens >= options.MinTurnTokens).ToList();
        var ownCount = judged.Count(e => !e.Example.OffPolicy);
        var offCount = judged.Count - ownCount;
        if (ownCount < 2 || offCount < 2)
            throw new ArgumentException($"calibration needs at least two own and two off-policy turns of {options.MinTurnTokens}+ tokens; got {ownCount} own and {offCount} off-policy");
        var x = judged.Select(e => e.Features!.Vector()).ToList();
        var y = judged.Select(e => e.Example.OffPolicy).ToList();
        var (ownCurvature, offCurvature) = Split(judged, e => e.Features!.Curvature);
        var curvatureReport = DetectorReports.From(ownCurvature, offCurvature, targetFpr);
        var candidates = Candidates(judged, x, y, targetFpr, fit);
        // Logistic loss weighs every pair alike, but the detector works at the target false-positive rate, and its
        // ranking is what conformal thresholds and reports read at every other rate: keep the combination with the
        // highest cross-validated TPR at the target plus AUROC (a score that ties most turns can have a fine TPR at one
        // rate and rank nothing else), and none at all when the uncalibrated curvature z does at least as well, so the
        // detector falls back to it.
        var curvature = new Candidate("curvature (no combination)", null, curvatureReport.Auroc, curvatureReport.Tpr);
        var best = candidates.OrderByDescending(Merit).ThenByDescending(c => c.Tpr).FirstOrDefault() ?? curvature;
        OffPolicyCalibration? offPolicy = null;
        DetectorReport? offPolicyReport = null;
        if (best != curvature && Merit(best) > Merit(curvature))
        {
            var (ownScores, offScores) = Split(judged, e => best.Combination!.Score(e.Features!));
            offPolicyReport = DetectorReports.From(ownScores, offScores, targetFpr);
            offPolicy = best.Combination! with { Threshold = offPolicyReport.Threshold };
        }
        else
        {
            best = curvature;
        }
        candidates.Add(curvature);

        var reports = ImmutableSortedDictionary.CreateBuilder<string, DetectorReport>(StringComparer.Ordinal); // sorted: the same file every run
        if (offPolicyReport is not null) reports[ReportNames.OffPolicy] = offPolicyReport;
        reports[ReportNames.Curvature] = curvatureReport;

        var own = examples.Where(e => !e.Example.OffPolicy).ToList();
        var broken = BrokenIntention(own, examples.Where(e => e.Example.Source == OffPolicySources.Prefill).ToList(), targetFpr, reports);
        var span = OverconfidentSpan(own, targetFpr, options, reports);

        var calibration = new Calibration
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
        return new Result(calibration, [.. candidates.Select(c => c with { Chosen = ReferenceEquals(c, best) })]);
    }

    /// <summary>One combination tried for the off-policy detector and how it did on the calibration data.</summary>
    /// <param name="Name">"logistic" (all sources), "logistic:SOURCE" (own vs that source), "feature:NAME" (one feature), or
    /// any of those + "+nucleus" (each nucleus exit adds a fixed 10 log-odds).</param>
    /// <param name="Combination">Its weights fitted on all calibration turns (threshold not yet set); null for the curvature fallback.</param>
    /// <param name="Auroc">Cross-validated AUROC (<see cref="Folds"/> folds by prompt) on the calibration turns.</param>
    /// <param name="Tpr">Cross-validated true-positive rate at the target false-positive rate.</param>
    /// <param name="Chosen">Whether it was kept.</param>
    public sealed record Candidate(string Name, OffPolicyCalibration? Combination, double Auroc, double Tpr, bool Chosen = false);

    /// <summary>A calibration and the off-policy combinations tried for it, the kept one marked.</summary>
    /// <param name="Calibration">The calibration.</param>
    /// <param name="Candidates">Every combination tried.</param>
    public sealed record Result(Calibration Calibration, ImmutableArray<Candidate> Candidates);

    /// <summary>How a candidate is ranked: cross-validated TPR at the target rate plus AUROC.</summary>
    private static double Merit(Candidate candidate) => candidate.Tpr + candidate.Auroc;

    /// <summary>Log-odds each token outside the generator's nucleus adds to the signature combination.</summary>
    private const double NucleusExitLogOdds = 10;

    private static List<Candidate> Candidates(List<ScoredExample> judged, List<double[]> x, List<bool> y, double targetFpr, LogisticRegression.Options? fit)
    {
        var everyRow = Enumerable.Range(0, judged.Count).ToList();
        var trainers = new List<(string Name, Func<List<int>, LogisticModel?> Train)>
        {
            ("logistic", rows => Logistic(rows, _ => true)),
        };
        foreach (var source in judged.Where(e => e.Example.OffPolicy).Select(e => e.Example.Source).Distinct().Order(StringComparer.Ordinal))
            trainers.Add(($"logistic:{source}", rows => Logistic(rows, i => judged[i].Example.Source == source)));
        for (var j = 0; j < TurnFeatures.VectorNames.Count; j++)
        {
            var feature = j;
            trainers.Add(($"feature:{TurnFeatures.VectorNames[j]}", rows => Single(rows, feature)));
        }

        // Folds by prompt (the transcript before the target), so a prompt's turns never sit on both sides.
        var fold = judged.Select(e => Fold(e.Example)).ToArray();
        if (fold.Distinct().Count() < 2)
        {
            // A single prompt: deal each class's turns round the folds, so every fold holds both.
            int own = 0, off = 0;
            fold = [.. everyRow.Select(i => y[i] ? off++ % Folds : own++ % Folds)];
        }
        var result = new List<Candidate>();
        foreach (var (name, train) in trainers)
            if (CrossValidate(name, train) is { } candidate) result.Add(candidate);

        // Nucleus exits on top: a word outside the generator's nucleus is one the model could not have written, so each
        // combination is also tried with every exit adding NucleusExitLogOdds, above any signature evidence (turns that
        // exit rank above turns that do not; within each group the combination orders them). Ranked like every other
        // candidate.
        var exits = TurnFeatures.VectorNames.ToList().IndexOf("nucleus_exits");
        if (x.Any(v => !double.IsNaN(v[exits])))
            foreach (var signature in result.Where(c => !c.Name.Contains("nucleus", StringComparison.Ordinal)).ToList())
            {
                var fitted = trainers.First(t => t.Name == signature.Name).Train;
                if (CrossValidate(signature.Name + "+nucleus", rows => fitted(rows) is { } m ? WithExits(m) : null) is { } withExits)
                    result.Add(withExits);
            }
        return result;

        Candidate? CrossValidate(string name, Func<List<int>, LogisticModel?> train)
        {
            var own = new List<double>();
            var off = new List<double>();
            for (var f = 0; f < Folds; f++)
            {
                var model = train([.. everyRow.Where(i => fold[i] != f)]);
                if (model is null) return null;
                foreach (var i in everyRow.Where(i => fold[i] == f))
                {
                    var score = model.LogOdds(x[i]);
                    if (!double.IsNaN(score)) (y[i] ? off : own).Add(score);
                }
            }
            var final = train(everyRow);
            if (final is null || own.Count == 0 || off.Count == 0) return null;
            var roc = RocCurve.Compute(own, off);
            return new Candidate(name, new OffPolicyCalibration
            {
                Features = [.. TurnFeatures.VectorNames],
                Means = final.Means,
                Scales = final.Scales,
                Weights = final.Weights,
                Bias = final.Bias,
                Threshold = 0,
            }, roc.Auroc, roc.AtFpr(targetFpr).Tpr);
        }

        LogisticModel WithExits(LogisticModel model)
        {
            var means = model.Means.ToArray();
            var scales = model.Scales.ToArray();
            var weights = model.Weights.ToArray();
            (means[exits], scales[exits], weights[exits]) = (0, 1, NucleusExitLogOdds);
            return model with { Means = [.. means], Scales = [.. scales], Weights = [.. weights] };
        }

        LogisticModel? Logistic(List<int> rows, Func<int, bool> positive)
        {
            var use = rows.Where(i => !y[i] || positive(i)).ToList();
            if (use.Count(i => y[i]) < 2 || use.Count(i => !y[i]) < 2) return null;
            return LogisticRegression.Fit([.. use.Select(i => x[i])], [.. use.Select(i => y[i])], fit);
        }

        LogisticModel? Single(List<int> rows, int j)
        {
            // One standardised feature, signed on the training rows so that larger is more off-policy.
            var neg = rows.Where(i => !y[i] && !double.IsNaN(x[i][j])).Select(i => x[i][j]).ToList();
            var pos = rows.Where(i => y[i] && !double.IsNaN(x[i][j])).Select(i => x[i][j]).ToList();
            if (neg.Count < 2 || pos.Count < 2) return null;
            var all = neg.Concat(pos).ToList();
            var mean = all.Average();
            var sd = Math.Sqrt(all.Sum(v => (v - mean) * (v - mean)) / all.Count);
            var d = x[0].Length;
            var means = new double[d];
            var scales = Enumerable.Repeat(1.0, d).ToArray();
            var weights = new double[d];
            means[j] = mean;
            scales[j] = sd > 1e-12 ? sd : 1;
            weights[j] = RocCurve.Compute(neg, pos).Auroc >= 0.5 ? 1 : -1;
            return new LogisticModel([.. means], [.. scales], [.. weights], 0, 0);
        }
    }

    /// <summary>
    /// Cross-validation folds. Candidates differ by a few thousandths of TPR at 1%, about ten own turns' worth on a
    /// thousand: two folds (each model fitted on half the prompts) picked between near ties by chance, so the kept
    /// combination changed with the data's noise. Five fit on four fifths and average over more splits.
    /// </summary>
    private const int Folds = 5;

    /// <summary>A stable fold (0 to <see cref="Folds"/> − 1) for an example's prompt: FNV-1a over the messages before the target.</summary>
    private static int Fold(LabelledTranscript example)
    {
        var hash = 2166136261u;
        for (var m = 0; m < example.Target; m++)
            foreach (var c in example.Transcript[m].Content)
                hash = (hash ^ c) * 16777619u;
        return (int)((hash >> 7) % Folds);
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
        ImmutableSortedDictionary<string, DetectorReport>.Builder reports)
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
        ImmutableSortedDictionary<string, DetectorReport>.Builder reports)
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
