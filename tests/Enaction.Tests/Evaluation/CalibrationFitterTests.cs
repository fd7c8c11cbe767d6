using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Tests.Evaluation;

public class CalibrationFitterTests
{
    [Fact]
    public void Fitted_calibration_separates_the_classes_and_holds_the_false_positive_budget()
    {
        var data = SyntheticExamples.Dataset(60);
        var calibration = CalibrationFitter.Fit(data, "synthetic", "abc123", targetFpr: 0.05);

        Assert.Equal("abc123", calibration.ModelSha256);
        var off = calibration.OffPolicy!;
        Assert.Equal(TurnFeatures.VectorNames, off.Features);
        var report = calibration.Reports[CalibrationFitter.ReportNames.OffPolicy];
        Assert.True(report.Auroc > 0.95, $"AUROC {report.Auroc}");
        Assert.True(report.Fpr <= 0.05);
        var own = data.Where(e => !e.Example.OffPolicy).ToList();
        Assert.True(own.Count(e => off.Score(e.Features!) >= off.Threshold) <= 0.05 * own.Count);
        Assert.Equal(60, report.Negatives);
        Assert.Equal(240, report.Positives);
        Assert.Equal(7, report.NegativeQuantiles.Length);
        Assert.Contains(CalibrationFitter.ReportNames.Curvature, calibration.Reports.Keys);
    }

    [Fact]
    public void Baselines_come_from_own_turns_and_broken_intention_reads_after_the_prefill()
    {
        var data = SyntheticExamples.Dataset(40);
        var calibration = CalibrationFitter.Fit(data, "synthetic", "abc123", targetFpr: 0.05);
        var broken = calibration.BrokenIntention!;
        // Own first-token entropy is 0.3 × U(0.5, 1.5): mean about 0.3.
        Assert.InRange(broken.Mean, 0.25, 0.35);
        var report = calibration.Reports[CalibrationFitter.ReportNames.BrokenIntention];
        Assert.Equal(40, report.Positives); // the prefills
        Assert.True(report.Auroc > 0.95, $"AUROC {report.Auroc}");
        Assert.NotNull(calibration.OverconfidentSpan);
        Assert.Equal(0, calibration.Reports[CalibrationFitter.ReportNames.OverconfidentSpan].Positives);
    }

    [Fact]
    public void Calibration_round_trips_through_its_file()
    {
        var calibration = CalibrationFitter.Fit(SyntheticExamples.Dataset(20), "synthetic", "abc123");
        var path = Path.GetTempFileName();
        try
        {
            calibration.Save(path);
            var loaded = Calibration.Load(path);
            Assert.Equal(calibration.OffPolicy!.Weights.ToArray(), loaded.OffPolicy!.Weights.ToArray());
            Assert.Equal(calibration.OffPolicy.Threshold, loaded.OffPolicy.Threshold);
            Assert.Equal(calibration.Reports.Keys.Order(), loaded.Reports.Keys.Order());
            // Reports are written in name order, so refitting the same data gives the same file to diff.
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            var names = doc.RootElement.GetProperty("reports").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            loaded.Save(path);
            using var again = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            Assert.Equal(names, again.RootElement.GetProperty("reports").EnumerateObject().Select(p => p.Name));
            loaded.EnsureFor("ABC123", path);
            Assert.Throws<CalibrationException>(() => loaded.EnsureFor("def456", path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Combinations_are_chosen_by_cross_validated_tpr_against_the_curvature_fallback()
    {
        var result = CalibrationFitter.FitWithCandidates(SyntheticExamples.Dataset(40), "m", "h", 0.05);
        Assert.Single(result.Candidates, c => c.Chosen);
        var curvature = Assert.Single(result.Candidates, c => c.Combination is null);
        Assert.Contains(result.Candidates, c => c.Name == "logistic");
        Assert.Contains(result.Candidates, c => c.Name == "logistic:swap");
        Assert.Contains(result.Candidates, c => c.Name == "feature:mean_gap");
        var kept = result.Candidates.Single(c => c.Chosen);
        Assert.All(result.Candidates, c => Assert.True(c.Tpr <= kept.Tpr));
        if (kept == curvature) Assert.Null(result.Calibration.OffPolicy);
        else Assert.Equal(kept.Combination!.Weights.ToArray(), result.Calibration.OffPolicy!.Weights.ToArray());
    }

    [Fact]
    public void Too_few_turns_of_one_class_is_an_argument_error()
    {
        var data = SyntheticExamples.Dataset(5).Where(e => e.Example.OffPolicy).ToList();
        data.Add(SyntheticExamples.Turn(1, 0.3, 0.3, false, OffPolicySources.Own));
        var e = Assert.Throws<ArgumentException>(() => CalibrationFitter.Fit(data, "m", "h"));
        Assert.Contains("1 own", e.Message);
    }
}
