using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Detection;

namespace Enaction.Cli.Tests.Commands;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-replay-");

    public void Dispose() => _temp.Delete(recursive: true);

    // Six turns recorded under policies/default.yaml (see tests/fixtures/records/make_records.py): a clean turn, an
    // overconfident span (medium), off-policy history (high, request), evaluation awareness (medium), self-echo
    // (low, request) with an off-policy response (high), and a scoring timeout.
    private static readonly string Records = CliRunner.Fixture("records", "turns.jsonl");
    private static string Policy(string name) => Path.Combine(CliRunner.Root, "policies", name + ".yaml");

    private string Write(string name, string content)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<JsonElement> ReplayJsonAsync(params string[] args)
    {
        var r = await CliRunner.RunAsync(["replay", .. args, "--json"]);
        Assert.True(r.ExitCode == 0, r.Error);
        return JsonDocument.Parse(r.Output).RootElement.Clone();
    }

    private static Dictionary<string, (int Candidate, int Baseline)> Rules(JsonElement json) =>
        json.GetProperty("rules").EnumerateArray().ToDictionary(
            r => r.GetProperty("rule").GetString()!, r => (r.GetProperty("candidate").GetInt32(), r.GetProperty("baseline").GetInt32()));

    private static Dictionary<string, (int Baseline, int Candidate, int Added, int Removed)> Actions(JsonElement json) =>
        json.GetProperty("actions").EnumerateArray().ToDictionary(
            a => a.GetProperty("action").GetString()!,
            a => (a.GetProperty("baseline").GetInt32(), a.GetProperty("candidate").GetInt32(), a.GetProperty("added").GetInt32(), a.GetProperty("removed").GetInt32()));

    private static List<(string Turn, string Before, string After)> Changes(JsonElement json) =>
        json.GetProperty("changes").EnumerateArray().Select(c => (
            $"{c.GetProperty("conversation_id").GetString()}/{c.GetProperty("turn").GetInt32()}",
            c.GetProperty("before").GetString()!, c.GetProperty("after").GetString()!)).ToList();

    [Fact]
    public async Task Replaying_the_policy_that_was_in_force_changes_nothing()
    {
        var json = await ReplayJsonAsync("--policy", Policy("default"), "--input", Records);
        Assert.Equal("default 1.0", json.GetProperty("policy").GetString());
        Assert.Equal("recorded decisions", json.GetProperty("baseline").GetString());
        Assert.Equal(6, json.GetProperty("turns").GetInt32());
        Assert.Empty(json.GetProperty("changes").EnumerateArray());
        var rules = Rules(json);
        Assert.Equal((4, 4), rules["log-everything"]);
        Assert.Equal((4, 4), rules["annotate-medium-and-above"]);
        Assert.Equal((1, 1), rules["strip-untrusted-history"]);
        Assert.Equal((1, 1), rules["resample-and-verify-high-off-policy"]);
    }

    [Fact]
    public async Task Strict_policy_blocks_off_policy_turns_and_the_scoring_timeout()
    {
        var json = await ReplayJsonAsync("--policy", Policy("strict"), "--input", Records);
        var rules = Rules(json);
        Assert.Equal((4, 4), rules["log-everything"]);
        Assert.Equal((2, 0), rules["block-high-off-policy-or-altered"]);
        Assert.Equal((1, 1), rules["strip-untrusted-history"]);
        Assert.Equal((1, 0), rules["verify-overconfident-spans"]);
        Assert.Equal((1, 0), rules["escalate-evaluation-awareness"]);
        Assert.Equal((4, 4), rules["annotate-medium-and-above"]);
        Assert.Equal((0, 1), rules["resample-and-verify-high-off-policy"]);

        var actions = Actions(json);
        Assert.Equal((0, 3, 3, 0), actions["block"]);
        Assert.Equal((1, 0, 0, 1), actions["strip"]);
        Assert.Equal((1, 0, 0, 1), actions["resample"]);
        Assert.Equal((1, 1, 1, 1), actions["verify"]);
        Assert.Equal((0, 1, 1, 0), actions["escalate"]);
        Assert.Equal((4, 4, 0, 0), actions["annotate"]);
        Assert.Equal((5, 5, 0, 0), actions["log"]);

        Assert.Equal(
            [("support-1/2", "annotated", "verified"), ("billing-7/3", "stripped", "blocked"), ("research-2/1", "annotated", "escalated"),
             ("research-2/2", "resampled", "blocked"), ("ops-5/1", "logged", "blocked")],
            Changes(json));
        Assert.Equal(5, json.GetProperty("outcome_changes").GetInt32());
        var billing = json.GetProperty("changes")[1].GetProperty("stages")[0];
        Assert.Equal("request", billing.GetProperty("stage").GetString());
        Assert.Equal(["block"], billing.GetProperty("added").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["strip"], billing.GetProperty("removed").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Audit_only_policy_stops_stripping_and_resampling_and_annotates_low_findings()
    {
        var json = await ReplayJsonAsync("--policy", Policy("audit-only"), "--input", Records);
        var rules = Rules(json);
        Assert.Equal((4, 4), rules["log-everything"]);
        Assert.Equal((4, 0), rules["annotate-everything"]);
        Assert.Equal((0, 4), rules["annotate-medium-and-above"]);

        var actions = Actions(json);
        Assert.Equal((1, 0, 0, 1), actions["strip"]);
        Assert.Equal((1, 0, 0, 1), actions["resample"]);
        Assert.Equal((1, 0, 0, 1), actions["verify"]);
        Assert.Equal((4, 4, 1, 0), actions["annotate"]); // the low self-echo is annotated at the request stage now
        Assert.Equal((0, 0, 0, 0), actions["block"]);

        Assert.Equal([("billing-7/3", "stripped", "annotated"), ("research-2/2", "resampled", "annotated")], Changes(json));
    }

    [Fact]
    public async Task A_baseline_policy_replaces_the_recorded_decisions()
    {
        var json = await ReplayJsonAsync("--policy", Policy("strict"), "--baseline", Policy("audit-only"), "--input", Records);
        Assert.Equal("audit-only 1.0", json.GetProperty("baseline").GetString());
        var rules = Rules(json);
        Assert.Equal((4, 4), rules["log-everything"]);
        Assert.Equal((0, 4), rules["annotate-everything"]);
        Assert.DoesNotContain("resample-and-verify-high-off-policy", rules.Keys);
        var changes = Changes(json);
        Assert.Contains(("ops-5/1", "logged", "blocked"), changes);
        Assert.Contains(("billing-7/3", "annotated", "blocked"), changes);
        Assert.Equal(3, changes.Count(c => c.After == "blocked"));
    }

    [Fact]
    public async Task Rules_match_on_the_recorded_agent_function_stage_and_score()
    {
        var policy = Write("scoped.yaml", """
            name: scoped
            version: "2"
            mode: fail-open
            rules:
              - name: escalate-billing-refunds
                match: {agents: ["bill*"], functions: [issue_refund]}
                actions: [{escalate: {callback: billing-oncall}}]
              - name: block-strong-responses
                match: {stage: response, score: {min: 2.5}}
                actions: [block]
              - name: log-researcher
                match: {agents: [researcher]}
                actions: [log]
            """);
        var json = await ReplayJsonAsync("--policy", policy, "--input", Records);
        var rules = Rules(json);
        Assert.Equal(1, rules["escalate-billing-refunds"].Candidate);
        Assert.Equal(2, rules["block-strong-responses"].Candidate); // 2.91 overconfident span, 2.87 off-policy; not the request's 3.42
        Assert.Equal(2, rules["log-researcher"].Candidate);
        var changes = Changes(json);
        Assert.Contains(("billing-7/3", "stripped", "escalated"), changes);
        Assert.Contains(("support-1/2", "annotated", "blocked"), changes);
        Assert.Contains(("research-2/2", "resampled", "blocked"), changes);
        Assert.Contains(("research-2/1", "annotated", "logged"), changes);
        Assert.DoesNotContain(changes, c => c.Turn == "ops-5/1"); // fail-open on the timeout, as recorded
    }

    [Fact]
    public async Task Table_output_names_rules_actions_and_turns_now_blocked()
    {
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", Records);
        Assert.Equal(0, r.ExitCode);
        var text = Regex.Replace(r.Output, "\u001b\\[[0-9;]*m", "");
        Assert.Contains("block-high-off-policy-or-altered", text);
        Assert.Contains("resample-and-verify-high-off-policy", text);
        Assert.Contains("billing-7", text);
        Assert.Contains("+block -strip", text);
        Assert.Contains("3 turn(s) now blocked (1 from stripped, 1 from resampled, 1 from logged)", text);
    }

    [Fact]
    public async Task Reads_what_the_monitor_records()
    {
        // Written by the monitor's own recorder, NaN means for a message with no scored token included.
        using (var recorder = new Enaction.Monitoring.JsonlTurnRecorder(_temp.FullName))
        {
            await recorder.RecordAsync(new Enaction.Monitoring.TurnRecord
            {
                Time = DateTimeOffset.UtcNow,
                ConversationId = "live-1",
                Turn = 1,
                Agent = "payments",
                Messages = [new("user", "Pay invoice 7.", null), new("assistant", "", null), new("assistant", "Paid invoice 7 in full.", null)],
                Generated = [2],
                Stages =
                [
                    new() { Stage = "response", Policy = "default 1.0", Rules = ["log-everything"], Decision = ["log"],
                        Findings = [new("off-policy", Severity.High, 4.2, 1.1, 1, 0, 0), new("self-echo", Severity.Low, 0.7, 0.6, 2, 0, 4)],
                        Scores = [new(0, 4, 5.1, 6.2), new(1, 0, double.NaN, double.NaN), new(2, 6, 4.9, 5.5)] },
                ],
                Actions = [new("response", "log", "logged", null)],
            });
        }
        var file = Directory.GetFiles(_temp.FullName, "turns-*.jsonl").Single();
        var json = await ReplayJsonAsync("--policy", Policy("strict"), "--input", file);
        Assert.Equal(1, json.GetProperty("turns").GetInt32());
        Assert.Equal([("live-1/1", "logged", "blocked")], Changes(json));

        var r = await CliRunner.RunAsync("report", "--input", file, "--out", Path.Combine(_temp.FullName, "live.html"));
        Assert.True(r.ExitCode == 0, r.Error);
    }

    [Fact]
    public async Task Transcripts_are_scored_and_detected_with_the_local_model()
    {
        var transcripts = CliRunner.Fixture("records", "transcripts.jsonl");
        var json = await ReplayJsonAsync("--policy", Policy("strict"), "--input", transcripts, "--model", CliRunner.Model("tiny-chat"));
        Assert.Equal(3, json.GetProperty("turns").GetInt32());
        Assert.StartsWith("no policy", json.GetProperty("baseline").GetString());
        // The third transcript's assistant turn is hand-written and says it is being evaluated: strict escalates
        // the cue, and the trained model also reads the turn as off-policy, so strict blocks it; nothing was decided before.
        Assert.True(Rules(json)["escalate-evaluation-awareness"].Candidate >= 1);
        Assert.Contains(Changes(json), c => c.Turn == "line 3/1" && c.Before == "pass" && c.After == "blocked");

        var compared = await ReplayJsonAsync("--policy", Policy("strict"), "--baseline", Policy("strict"), "--input", transcripts, "--model", CliRunner.Model("tiny-chat"));
        Assert.Empty(compared.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task Transcripts_without_a_model_are_bad_input()
    {
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", CliRunner.Fixture("records", "transcripts.jsonl"));
        AssertBadInput(r, "pass --model DIR");
    }

    [Fact]
    public async Task A_bad_jsonl_line_is_named_by_file_and_line()
    {
        var lines = File.ReadAllLines(Records);
        // A line cut short is a torn record (skipped with a warning, HostileInputTests); a line that is not JSON is an error.
        var path = Write("bad.jsonl", lines[0] + "\n" + lines[1][..40] + "\"}}\n" + lines[2] + "\n");
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", path);
        AssertBadInput(r, "bad.jsonl:2: ");
    }

    [Fact]
    public async Task A_record_missing_a_required_field_is_named_by_file_and_line()
    {
        var lines = File.ReadAllLines(Records);
        var path = Write("nostages.jsonl", lines[0] + "\n\n" + lines[1].Replace("\"stages\":", "\"stagez\":", StringComparison.Ordinal) + "\n");
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", path);
        AssertBadInput(r, "nostages.jsonl:3: not a valid audit record");
        Assert.Contains("stages", r.Error);
    }

    [Theory]
    [InlineData("\"version\":1,", "\"version\":2,", "audit record format version 2")]
    [InlineData("\"generated\":[4]", "\"generated\":null", "must not be null")]
    [InlineData("\"severity\":\"medium\"", "\"severity\":\"urgent\"", ".severity")]
    [InlineData("\"decision\":[\"annotate\",\"log\"]", "\"decision\":[\"annotate\",\"shout\"]", "unknown action \"shout\"")]
    public async Task An_unusable_record_is_named_by_file_and_line(string field, string replacement, string expected)
    {
        var lines = File.ReadAllLines(Records);
        Assert.Contains(field, lines[1]);
        var path = Write("unusable.jsonl", lines[0] + "\n" + lines[1].Replace(field, replacement, StringComparison.Ordinal) + "\n");
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", path);
        AssertBadInput(r, "unusable.jsonl:2: ");
        Assert.Contains(expected, r.Error);
    }

    [Fact]
    public async Task A_finding_outside_its_message_is_bad_input()
    {
        var lines = File.ReadAllLines(Records);
        var path = Write("span.jsonl", lines[1].Replace("\"start\":21,\"end\":54", "\"start\":21,\"end\":5400", StringComparison.Ordinal) + "\n");
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", path);
        AssertBadInput(r, "span.jsonl:1: finding \"overconfident-span\" spans characters 21..5400");
    }

    [Fact]
    public async Task An_invalid_policy_is_named_by_file_line_and_column()
    {
        var path = Write("typo.yaml", "name: typo\nversion: \"1\"\nrules:\n  - name: r\n    actions:\n      - blok\n");
        var r = await CliRunner.RunAsync("replay", "--policy", path, "--input", Records);
        AssertBadInput(r, "typo.yaml:6:9: unknown action \"blok\"");

        r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--baseline", path, "--input", Records);
        AssertBadInput(r, "typo.yaml:6:9:");
    }

    [Fact]
    public async Task Missing_and_empty_inputs_are_bad_input()
    {
        var r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", Path.Combine(_temp.FullName, "none.jsonl"));
        AssertBadInput(r, "no such input file");

        r = await CliRunner.RunAsync("replay", "--policy", Policy("strict"), "--input", Write("empty.jsonl", "\n\n"));
        AssertBadInput(r, "the file is empty");

        r = await CliRunner.RunAsync("replay", "--policy", Path.Combine(_temp.FullName, "none.yaml"), "--input", Records);
        AssertBadInput(r, "no such policy file");
    }

    private static void AssertBadInput(CliRunner.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Output);
        var lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("enaction: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }
}
