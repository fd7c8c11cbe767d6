using Enaction.Actions;
using Enaction.Conformal;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Extensions.AI;
using Enaction.Monitoring;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Policies;
using Microsoft.Extensions.AI;

namespace Enaction.Cli.Tests.Commands;

/// <summary><c>calibrate --from-audit</c>: the monitor's conformal threshold, offline, from its own recorded turns.</summary>
public sealed class CalibrateFromAuditTests : IDisposable
{
    private static readonly string[] Topics = ["the river town", "Grifor", "Tuleir", "the bouth", "Gafan", "the cat", "Zikrom", "Bise", "the valley", "Pand", "the market", "the old bridge"];
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-from-audit-");
    private static string ShippedCalibration => Path.Combine(CliRunner.Model("tiny-chat"), "calibration.json");

    public void Dispose() => _temp.Delete(recursive: true);

    /// <summary>
    /// Runs the bundled model under a real monitor that records its audit trail and keeps own-turn scores (every turn
    /// with its second pass), and returns the audit file and the scores the monitor computed online.
    /// </summary>
    private async Task<(string File, List<double> Online)> RecordAsync()
    {
        using var model = CausalLanguageModel.Load(CliRunner.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        using var scorer = new OnnxConversationScorer(model);
        var audit = Path.Combine(_temp.FullName, "audit");
        using var recorder = new JsonlTurnRecorder(audit);
        var policy = PolicyLoader.Parse("""
            name: audit
            version: "1"
            mode: fail-open
            budgets: {scoring_timeout: 60s}
            conformal: {target_fpr: 0.2, min_turns: 5, capacity: 100, contrast_sample_rate: 1}
            rules: [{name: log, actions: [log]}]
            """, "audit.yaml");
        using var monitor = new ConversationMonitor(scorer, new PolicyEngine(policy),
            new ConversationMonitorOptions { Calibration = Calibration.Load(ShippedCalibration), Recorder = recorder });
        var client = new MonitoringChatClient(new OnnxChatClient(model, new GenerationOptions { MaxTokens = 40 }), monitor,
            options: new MonitoringChatClientOptions { Agent = "support" });
        var online = new List<double>();
        for (var i = 0; i < Topics.Length; i++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, $"Tell me about {Topics[i]}.")],
                new ChatOptions { Seed = 60 + i, AdditionalProperties = new() { [MonitoringChatClientOptions.ConversationIdKey] = $"a-{i}" } });
            online.AddRange(((TurnVerdict)response.AdditionalProperties![ResponseMetadata.Verdict]!).OwnTurnScores.Values);
        }
        return (Directory.GetFiles(audit).Single(), online);
    }

    [Fact]
    public async Task The_threshold_is_the_conformal_quantile_of_the_recorded_own_turns_scored_as_the_monitor_scored_them()
    {
        var (file, online) = await RecordAsync();
        Assert.True(online.Count >= 5, $"only {online.Count} own turns long enough to score");
        var output = Path.Combine(_temp.FullName, "conformal.json");

        var r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", file,
            "--calibration", ShippedCalibration, "--fpr", "0.2", "--out", output);

        Assert.True(r.ExitCode == 0, r.Error);
        var written = Calibration.Load(output);
        var expected = ConformalQuantile.Threshold(online, 0.2)!;
        // Offline from the audit trail equals what the monitor computed online, up to float rounding of the scores.
        Assert.Equal(expected.Value, written.OffPolicy!.Threshold, 3);
        Assert.Equal((0.2, online.Count, expected.Rank), (written.Conformal!.TargetFpr, written.Conformal.SampleSize, written.Conformal.Rank));
        Assert.Equal(0.2, written.TargetFpr);
        // Only the threshold moved: the combination is the shipped one.
        var shipped = Calibration.Load(ShippedCalibration);
        Assert.Equal(shipped.OffPolicy!.Weights.ToArray(), written.OffPolicy.Weights.ToArray());
        Assert.Contains($"the {expected.Rank}th smallest of {online.Count} own-turn scores", r.Output);

        // detect takes the file like any calibration.
        var transcript = Path.Combine(_temp.FullName, "t.json");
        await File.WriteAllTextAsync(transcript, """{"messages":[{"role":"user","content":"Tell me about Grifor."},{"role":"assistant","content":"Grifor is a town of the valley."}]}""");
        var detect = await CliRunner.RunAsync("detect", "--model", CliRunner.Model("tiny-chat"), "--transcript", transcript, "--calibration", output, "--json");
        Assert.True(detect.ExitCode == 0, detect.Error);
    }

    [Fact]
    public async Task Without_a_base_calibration_the_curvature_threshold_is_set()
    {
        var (file, _) = await RecordAsync();
        var output = Path.Combine(_temp.FullName, "curvature.json");

        var r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", file, "--fpr", "0.25", "--out", output);

        Assert.True(r.ExitCode == 0, r.Error);
        var written = Calibration.Load(output);
        Assert.Null(written.OffPolicy);
        var (threshold, method) = new OffPolicyDetector().Rule(written);
        Assert.Equal("curvature-calibrated", method);
        Assert.Equal(written.Reports["curvature"].Threshold, threshold);
        Assert.Equal(0.25, written.Conformal!.TargetFpr);
    }

    [Fact]
    public async Task Bad_audit_input_is_one_line_naming_the_file()
    {
        var output = Path.Combine(_temp.FullName, "out.json");
        var missing = Path.Combine(_temp.FullName, "nope.jsonl");
        var r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", missing, "--out", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"enaction: {missing}: no such audit file", r.Error.Trim());

        var transcripts = CliRunner.Fixture("records", "transcripts.jsonl");
        r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", transcripts, "--out", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("holds transcripts, not audit records", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));

        var broken = Path.Combine(_temp.FullName, "broken.jsonl");
        var good = (await File.ReadAllLinesAsync(CliRunner.Fixture("records", "turns.jsonl")))[0];
        await File.WriteAllTextAsync(broken, good + "\n{\"conversation_id\": 3, \"stages\": []}\n");
        r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", broken, "--out", output);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"enaction: {broken}:2: ", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));

        // Too few own turns for the target: says how many it has and how many it needs.
        r = await CliRunner.RunAsync("calibrate", "--model", CliRunner.Model("tiny-chat"), "--from-audit", CliRunner.Fixture("records", "turns.jsonl"),
            "--fpr", "0.01", "--out", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("a target false-positive rate of 0.01 needs at least 99", r.Error);
        Assert.False(File.Exists(output));
    }
}
