using Enaction.Scoring;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Tests.Evaluation;

public class DatasetEvaluationTests
{
    [Fact]
    public void Reports_overall_per_source_per_family_and_entropy_ratios()
    {
        var data = SyntheticExamples.Dataset(30, gap: 2);
        var evaluation = DatasetEvaluation.Evaluate(data);
        Assert.Equal("curvature", evaluation.Method);
        Assert.Equal(new DetectorOptions().CurvatureThreshold, evaluation.Threshold);

        var overall = Assert.Single(evaluation.Groups, g => g.Split == "overall");
        Assert.Equal(30, overall.Detector.Negatives);
        Assert.Equal(120, overall.Detector.Positives);
        Assert.Equal(overall.Curvature.Auroc, overall.Detector.Auroc); // without calibration the project score is the curvature
        Assert.Equal(overall.Curvature.TprAt1, overall.Detector.TprAt1);
        Assert.Equal(OffPolicySources.All.Skip(1), evaluation.Groups.Where(g => g.Split == "source").Select(g => g.Source));
        Assert.Equal(["arithmetic", "open-ended"], evaluation.Groups.Where(g => g.Split == "family").Select(g => g.Family));
        Assert.Equal(8, evaluation.Groups.Count(g => g.Split == "family-source"));
        var corpus = evaluation.Groups.Single(g => g.Split == "source" && g.Source == OffPolicySources.Corpus);
        Assert.Equal(1.0, corpus.Detector.Auroc);

        var own = evaluation.Entropy.Single(e => e.Family == "all" && e.Source == OffPolicySources.Own);
        var other = evaluation.Entropy.Single(e => e.Family == "all" && e.Source == OffPolicySources.OtherModel);
        Assert.Equal(1, own.Ratio);
        Assert.Equal(other.MeanEntropy / own.MeanEntropy, other.Ratio, 12);
        Assert.True(other.Ratio > 2);
    }

    [Fact]
    public void Reports_every_conversation_shape_and_its_sources_when_the_dataset_has_several()
    {
        var data = SyntheticExamples.Dataset(30, gap: 2);
        Assert.DoesNotContain(DatasetEvaluation.Evaluate(data).Groups, g => g.Split.StartsWith("shape", StringComparison.Ordinal));

        // Every third example in the tools shape, the rest single.
        var shaped = data.Select((e, i) => i % 3 == 0 ? new ScoredExample(e.Example with { Shape = ConversationShapes.Tools }, e.Scores, e.Contrast) : e).ToList();
        var evaluation = DatasetEvaluation.Evaluate(shaped);
        Assert.Equal([ConversationShapes.Single, ConversationShapes.Tools], evaluation.Groups.Where(g => g.Split == "shape").Select(g => g.Shape));
        var tools = evaluation.Groups.Single(g => g.Split == "shape" && g.Shape == ConversationShapes.Tools);
        Assert.Equal(shaped.Count(e => e.Example.Shape == ConversationShapes.Tools && !e.Example.OffPolicy), tools.Detector.Negatives);
        Assert.Equal(shaped.Count(e => e.Example.Shape == ConversationShapes.Tools && e.Example.OffPolicy), tools.Detector.Positives);
        Assert.Contains(evaluation.Groups, g => g.Split == "shape-source" && g.Shape == ConversationShapes.Tools && g.Source == OffPolicySources.Corpus);
        Assert.All(evaluation.Groups.Where(g => !g.Split.StartsWith("shape", StringComparison.Ordinal)), g => Assert.Equal(DatasetEvaluation.All, g.Shape));
    }

    [Fact]
    public void A_calibration_makes_the_project_score_the_combination_and_reports_rates_at_its_threshold()
    {
        var data = SyntheticExamples.Dataset(30);
        var calibration = CalibrationFitter.Fit(data, "m", "h", 0.05);
        var evaluation = DatasetEvaluation.Evaluate(data, calibration);
        Assert.Equal("calibrated", evaluation.Method);
        Assert.Equal(calibration.OffPolicy!.Threshold, evaluation.Threshold);
        var overall = evaluation.Groups.Single(g => g.Split == "overall");
        Assert.True(overall.Detector.FprAtThreshold <= 0.05);
        Assert.Equal(calibration.Reports[CalibrationFitter.ReportNames.OffPolicy].Tpr, overall.Detector.TprAtThreshold, 6);
    }

    [Fact]
    public void Turns_under_the_signature_minimum_are_counted_apart_and_left_out_of_the_metrics()
    {
        var data = SyntheticExamples.Dataset(30, gap: 2);
        // A short own turn that scores like someone else's and a short foreign turn that scores like the model's own:
        // the detector judges neither, so neither may move the metrics.
        data.Add(SyntheticExamples.Turn(9000, 3, 9, false, OffPolicySources.Own, count: 3));
        data.Add(SyntheticExamples.Turn(9001, 0.3, 0.3, true, OffPolicySources.Corpus, count: 2));
        var evaluation = DatasetEvaluation.Evaluate(data);
        Assert.Equal(2, evaluation.Short);

        var overall = evaluation.Groups.Single(g => g.Split == "overall");
        Assert.Equal((30, 120), (overall.Detector.Negatives, overall.Detector.Positives));
        Assert.Equal((1, 1), (overall.ShortOwn, overall.ShortOff));
        var corpus = evaluation.Groups.Single(g => g.Split == "source" && g.Source == OffPolicySources.Corpus);
        Assert.Equal(1.0, corpus.Detector.Auroc);
        Assert.Equal((1, 1), (corpus.ShortOwn, corpus.ShortOff));
        var swap = evaluation.Groups.Single(g => g.Split == "source" && g.Source == OffPolicySources.Swap);
        Assert.Equal((1, 0), (swap.ShortOwn, swap.ShortOff));
        Assert.Equal(DatasetEvaluation.Evaluate(SyntheticExamples.Dataset(30, gap: 2)).Groups.Select(g => g.Detector), evaluation.Groups.Select(g => g.Detector));
        Assert.Equal((0, 0), (overall.ShortFlaggedOwn, overall.ShortFlaggedOff)); // no nucleus known: nothing flags a short turn

        // A short foreign turn with a word outside the generator's nucleus is flagged by it, and counted so.
        var exits = SyntheticExamples.Turn(9002, 0.3, 0.3, true, OffPolicySources.Corpus, count: 3);
        var s = exits.Scores;
        var withNucleus = new ScoredTranscript(s.ModelId, s.Transcript, [.. s.Tokens.Select(t => t.Message == 1 ? t with { MassAbove = 0.99f } : t)]) { SamplingTopP = 0.9 };
        data.Add(new ScoredExample(exits.Example, withNucleus));
        var flagged = DatasetEvaluation.Evaluate(data).Groups.Single(g => g.Split == "overall");
        Assert.Equal((1, 2), (flagged.ShortOwn, flagged.ShortOff));
        Assert.Equal((0, 1), (flagged.ShortFlaggedOwn, flagged.ShortFlaggedOff));
    }
}
