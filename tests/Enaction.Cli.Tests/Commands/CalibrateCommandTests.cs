using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Transcripts;

namespace Enaction.Cli.Tests.Commands;

public sealed class CalibrateCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-calibrate-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Writes_a_calibration_tied_to_the_model_that_detect_then_uses()
    {
        var output = Path.Combine(_temp.FullName, "calibration.json");
        var dataset = Path.Combine(_temp.FullName, "d.jsonl");
        var r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--other-model", CliRunner.Model("tiny-base"),
            "--prompts", DatasetCommandTests.WritePrompts(_temp), "--out", output, "--samples", "3", "--max-tokens", "64", "--fpr", "0.05", "--save-dataset", dataset);
        Assert.True(r.ExitCode == 0, r.Error);
        foreach (var name in new[] { "off-policy", "curvature", "broken-intention", "overconfident-span", "AUROC", "threshold" })
            Assert.Contains(name, r.Output);

        var calibration = Calibration.Load(output);
        Assert.Equal("tiny-chat", calibration.ModelId);
        Assert.Equal(Calibration.HashFile(Path.Combine(CliRunner.Model("tiny-chat"), "model.onnx")), calibration.ModelSha256);
        Assert.Equal(0.05, calibration.TargetFpr);
        Assert.Contains("combinations tried", r.Output);
        if (calibration.OffPolicy is { } off)
        {
            Assert.Equal(TurnFeatures.VectorNames, off.Features);
            Assert.True(calibration.Reports[CalibrationFitter.ReportNames.OffPolicy].Negatives >= 2);
        }
        else
        {
            // No combination beat the curvature z: the detector keeps it, and the table says so.
            Assert.Matches(@"curvature \(no combination\) .*\| yes", r.Output);
        }
        Assert.True(calibration.Reports[CalibrationFitter.ReportNames.Curvature].Negatives >= 2);
        Assert.NotEmpty(await LabelledTranscriptJsonl.LoadAsync(dataset));

        var transcript = Path.Combine(_temp.FullName, "t.json");
        File.WriteAllText(transcript, TranscriptJson.ToJson(new Transcript([TranscriptMessage.User("What is 12 + 7?"), TranscriptMessage.Assistant("It is 19.")])));
        var detect = await CliRunner.RunAsync("detect", "--model", CliRunner.Model("tiny-chat"), "--transcript", transcript, "--calibration", output, "--json");
        Assert.Equal(0, detect.ExitCode);
        Assert.Equal("", detect.Error);
        ScoreCommandTests.AssertBadInput(
            await CliRunner.RunAsync("detect", "--model", CliRunner.Model("tiny-base"), "--transcript", transcript, "--calibration", output),
            "made for model \"tiny-chat\"");

        // Evaluate reads the calibration; a combination over features this build does not compute (not the first ones of
        // its list, as a file from an earlier build would be) is refused.
        var evaluate = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset, "--calibration", output,
            "--save-json", Path.Combine(_temp.FullName, "e.json"));
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.True(File.Exists(Path.Combine(_temp.FullName, "e.json")));
        Assert.Contains(calibration.OffPolicy is null ? "curvature-calibrated" : "calibrated", evaluate.Output);
        var stale = Path.Combine(_temp.FullName, "stale.json");
        var withOldFeatures = calibration with
        {
            OffPolicy = new OffPolicyCalibration { Features = ["mean_surprisal"], Means = [0], Scales = [1], Weights = [1], Bias = 0, Threshold = 0 },
        };
        withOldFeatures.Save(stale);
        ScoreCommandTests.AssertBadInput(
            await CliRunner.RunAsync("detect", "--model", CliRunner.Model("tiny-chat"), "--transcript", transcript, "--calibration", stale),
            "weighs features");
    }

    [Fact]
    public async Task Bad_inputs_are_one_line_errors_and_write_nothing()
    {
        var output = Path.Combine(_temp.FullName, "calibration.json");
        var model = CliRunner.Model("tiny-chat");
        var prompts = DatasetCommandTests.WritePrompts(_temp);
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("calibrate", "--model", model, "--prompts", prompts, "--out", output, "--fpr", "2"), "--fpr");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("calibrate", "--model", model, "--prompts", Path.Combine(_temp.FullName, "none.jsonl"), "--out", output), "no such prompt file");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("calibrate", "--model", model, "--out", output), "--prompts");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("calibrate", "--model", model, "--dataset", Path.Combine(_temp.FullName, "none.jsonl"), "--out", output), "no such dataset file");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("calibrate", "--model", model, "--prompts", prompts, "--out", Path.Combine(_temp.FullName, "no", "c.json")), "does not exist");
        Assert.False(File.Exists(output));
    }
}
