using System.Text.Json;

namespace Enaction.Cli.Tests.Commands;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-evaluate-");

    public void Dispose() => _temp.Delete(recursive: true);

    private async Task<string> DatasetAsync()
    {
        var output = Path.Combine(_temp.FullName, "d.jsonl");
        var r = await CliRunner.RunAsync("dataset", "--model", CliRunner.Model("tiny-chat"), "--other-model", CliRunner.Model("tiny-base"),
            "--prompts", DatasetCommandTests.WritePrompts(_temp), "--out", output, "--samples", "2", "--max-tokens", "64");
        Assert.Equal(0, r.ExitCode);
        return output;
    }

    [Fact]
    public async Task Prints_auroc_and_tpr_for_the_detector_and_the_curvature_baseline()
    {
        var dataset = await DatasetAsync();
        var r = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset);
        Assert.Equal(0, r.ExitCode);
        foreach (var text in new[] { "AUROC", "TPR@1%", "TPR@5%", "curv AUROC", "| overall", "| source", "| family", "other-model", "prefill", "open-ended", "arithmetic", "ratio" })
            Assert.Contains(text, r.Output);
        Assert.Contains("default", r.Error);

        var json = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset, "--json", "--by", "source");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.Equal("curvature", doc.RootElement.GetProperty("method").GetString());
        Assert.Equal("tiny-chat", doc.RootElement.GetProperty("generator").GetString());
        Assert.Equal("same-model", doc.RootElement.GetProperty("scoring_source").GetString());
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["overall", "source"], groups.Select(g => g.GetProperty("split").GetString()).Distinct());
        var overall = groups[0];
        // Every own turn is in the metrics or counted apart as shorter than the signature minimum.
        Assert.Equal(8, overall.GetProperty("detector").GetProperty("negatives").GetInt32() + overall.GetProperty("short_own").GetInt32());
        Assert.InRange(overall.GetProperty("detector").GetProperty("auroc").GetDouble(), 0, 1);
        Assert.True(overall.GetProperty("curvature").TryGetProperty("tpr_at_1pct_fpr", out _));
        var entropy = doc.RootElement.GetProperty("entropy").EnumerateArray().ToList();
        Assert.Contains(entropy, e => e.GetProperty("source").GetString() == "own" && e.GetProperty("ratio").GetDouble() == 1);

        // Per-turn features for study elsewhere: a header naming every feature, one row per turn with its label.
        var csv = Path.Combine(_temp.FullName, "features.csv");
        var saved = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset, "--save-features", csv);
        Assert.True(saved.ExitCode == 0, saved.Error);
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        Assert.Equal(["example", "source", "family", "off_policy", "tokens", "score", .. Enaction.Detection.TurnFeatures.VectorNames], header);
        Assert.Equal(File.ReadAllLines(dataset).Length + 1, lines.Length);
        var rows = lines[1..].Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        Assert.Contains(rows, r => r[1] == "own" && r[3] == "false");
        Assert.Contains(rows, r => r[1] == "swap" && r[3] == "true");
        // Every turn here follows a request, so the second pass gave each its prompt gain.
        Assert.All(rows, r => Assert.NotEqual("", r[Array.IndexOf(header, "prompt_gain")]));
    }

    [Fact]
    public async Task Int8_scoring_with_a_float32_calibration_warns_and_still_evaluates()
    {
        var dataset = await DatasetAsync();
        var calibration = Path.Combine(CliRunner.Model("tiny-chat"), "calibration.json");
        var int8 = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset,
            "--calibration", calibration, "--precision", "int8", "--json");
        Assert.True(int8.ExitCode == 0, int8.Error);
        Assert.Contains("warning", int8.Error);
        Assert.Contains("fitted on float32 scores, applied to tiny-chat scoring in int8", int8.Error);
        using var doc = JsonDocument.Parse(int8.Output);
        Assert.InRange(doc.RootElement.GetProperty("groups")[0].GetProperty("detector").GetProperty("auroc").GetDouble(), 0, 1);

        var exact = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset, "--calibration", calibration);
        Assert.Equal(0, exact.ExitCode);
        Assert.DoesNotContain("warning", exact.Error);
    }

    [Fact]
    public async Task Bad_inputs_are_one_line_errors()
    {
        var model = CliRunner.Model("tiny-chat");
        const string good = """{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a b c"}],"target":1,"off_policy":false,"source":"own","family":"f"}""";
        var bad = Path.Combine(_temp.FullName, "bad.jsonl");
        File.WriteAllText(bad, good + "\n" + good.Replace("\"target\":1", "\"target\":0") + "\n");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("evaluate", "--model", model, "--dataset", bad), "bad.jsonl:2:");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("evaluate", "--model", model, "--dataset", Path.Combine(_temp.FullName, "none.jsonl")), "no such dataset file");
        var empty = Path.Combine(_temp.FullName, "empty.jsonl");
        File.WriteAllText(empty, "\n");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("evaluate", "--model", model, "--dataset", empty), "empty");
        var r = await CliRunner.RunAsync("evaluate", "--model", model, "--dataset", bad, "--by", "colour");
        Assert.NotEqual(0, r.ExitCode);
    }
}
