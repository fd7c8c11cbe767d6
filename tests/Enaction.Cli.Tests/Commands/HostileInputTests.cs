using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Enaction.Cli.Tests.Commands;

/// <summary>
/// Input a user or an attacker can hand the command line: overflowing policies, poisoned calibration files, text that
/// is not Unicode, config sizes of zero, a full disk, a folder where a file belongs, a missing interpreter, torn audit
/// files. Each is one line on stderr and exit 2 (or, for a torn line, a warning and the rest of the file), never a
/// stack trace, and never half an output.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-hostile-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static readonly string Records = CliRunner.Fixture("records", "turns.jsonl");
    private static readonly string TinyChat = CliRunner.Model("tiny-chat");

    private string Write(string name, string content) => WriteBytes(name, Encoding.UTF8.GetBytes(content));

    private string WriteBytes(string name, byte[] content)
    {
        var path = Path.Combine(_temp.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static void AssertBadInput(CliRunner.Result r, params string[] expected)
    {
        ScoreCommandTests.AssertBadInput(r, expected[0]);
        foreach (var e in expected.Skip(1)) Assert.Contains(e, r.Error);
    }

    // ---- item 2: policies --------------------------------------------------------------------------------------

    [Fact]
    public async Task Replay_with_an_overflowing_scoring_timeout_is_one_line_with_file_and_line()
    {
        var policy = Write("overflow.yaml", "name: p\nversion: \"1\"\nmode: fail-closed\nbudgets:\n  scoring_timeout: 999999999999h\nrules: []\n");
        AssertBadInput(await CliRunner.RunAsync("replay", "--policy", policy, "--input", Records), $"{policy}:5:20: ", "scoring_timeout");
    }

    // ---- item 6: calibration files -----------------------------------------------------------------------------

    /// <summary>The bundled calibration with one value changed by <paramref name="edit"/>.</summary>
    private string Calibration(string name, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyChat, "calibration.json")))!.AsObject();
        edit(json);
        return Write(name, json.ToJsonString());
    }

    public static TheoryData<string, string> PoisonedCalibrations => new()
    {
        { "threshold-nan", "off_policy.threshold is NaN" },
        { "bias-infinite", "off_policy.bias is Infinity" },
        { "weights-short", "off_policy.weights has 19 values for the 20 features" },
        { "means-nan", "off_policy.means[3] (" },
        { "scale-zero", "off_policy.scales[0] (" },
        { "scale-negative", "off_policy.scales[5] (" },
        { "sd-zero", "broken_intention.sd is 0" },
        { "baseline-threshold", "overconfident_span.threshold is -Infinity" },
        { "fpr", "target_fpr is 1.5" },
    };

    [Theory]
    [MemberData(nameof(PoisonedCalibrations))]
    public async Task A_poisoned_calibration_is_one_line_naming_the_file_and_field(string poison, string field)
    {
        var path = Calibration(poison + ".json", json =>
        {
            var off = json["off_policy"]!.AsObject();
            switch (poison)
            {
                case "threshold-nan": off["threshold"] = "NaN"; break;
                case "bias-infinite": off["bias"] = "Infinity"; break;
                case "weights-short": off["weights"]!.AsArray().RemoveAt(0); break;
                case "means-nan": off["means"]![3] = "NaN"; break;
                case "scale-zero": off["scales"]![0] = 0; break;
                case "scale-negative": off["scales"]![5] = -1.5; break;
                case "sd-zero": json["broken_intention"]!["sd"] = 0; break;
                case "baseline-threshold": json["overconfident_span"]!["threshold"] = "-Infinity"; break;
                case "fpr": json["target_fpr"] = 1.5; break;
            }
        });
        var r = await CliRunner.RunAsync("detect", "--model", TinyChat, "--transcript", CliRunner.Example("transcripts", "arithmetic.json"), "--calibration", path);
        AssertBadInput(r, path, field);
    }

    [Fact]
    public async Task The_bundled_calibration_still_passes_its_checks()
    {
        var r = await CliRunner.RunAsync("detect", "--model", TinyChat, "--transcript", CliRunner.Example("transcripts", "arithmetic.json"),
            "--calibration", Path.Combine(TinyChat, "calibration.json"), "--json");
        Assert.True(r.ExitCode == 0, r.Error);
    }

    // ---- item 7: text that is not Unicode -------------------------------------------------------------------------

    [Fact]
    public async Task A_transcript_with_an_unpaired_surrogate_escape_is_an_error_at_its_line()
    {
        var path = Write("surrogate.json", "{\"messages\":[\n{\"role\":\"user\",\"content\":\"pay \\ud800 now\"}]}");
        AssertBadInput(await CliRunner.RunAsync("score", "--model", TinyChat, "--transcript", path),
            $"{path}:2:", "message 0: \"content\" holds an unpaired UTF-16 surrogate escape");
    }

    [Fact]
    public async Task A_transcript_with_bytes_that_are_not_utf8_is_an_error_at_its_line_and_column()
    {
        var path = WriteBytes("latin1.json", [.. "{\"messages\":[\n{\"role\":\"user\",\"content\":\"caf"u8, 0xE9, .. "\"}]}"u8]);
        AssertBadInput(await CliRunner.RunAsync("detect", "--model", TinyChat, "--transcript", path),
            $"{path}:2:30: byte 0xE9 is not valid UTF-8");
    }

    [Fact]
    public async Task A_prompt_file_with_a_surrogate_or_bad_bytes_is_an_error_at_its_line()
    {
        var output = Path.Combine(_temp.FullName, "d.jsonl");
        var surrogate = Write("p1.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\"b \\udc00\"}\n");
        AssertBadInput(await CliRunner.RunAsync("dataset", "--model", TinyChat, "--prompts", surrogate, "--out", output),
            $"{surrogate}:2:", "\"prompt\" holds an unpaired UTF-16 surrogate escape");
        var bytes = WriteBytes("p2.jsonl", [.. "{\"prompt\":\"a\"}\n{\"prompt\":\"b"u8, 0xC3, .. "\"}\n"u8]);
        AssertBadInput(await CliRunner.RunAsync("dataset", "--model", TinyChat, "--prompts", bytes, "--out", output),
            $"{bytes}:2:", "byte 0xC3 is not valid UTF-8");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task An_audit_file_with_a_surrogate_or_bad_bytes_in_a_record_is_an_error_at_its_line()
    {
        var lines = File.ReadAllLines(Records);
        var surrogate = Write("s.jsonl", lines[0] + "\n" + lines[1].Replace("How do I", "How \\ud800 do I", StringComparison.Ordinal) + "\n");
        AssertBadInput(await CliRunner.RunAsync("replay", "--policy", PolicyPath("strict"), "--input", surrogate), $"{surrogate}:2: ");
        var bytes = WriteBytes("b.jsonl", [.. Encoding.UTF8.GetBytes(lines[0] + "\n" + lines[1][..40]), 0xFF, .. Encoding.UTF8.GetBytes(lines[1][40..] + "\n")]);
        AssertBadInput(await CliRunner.RunAsync("replay", "--policy", PolicyPath("strict"), "--input", bytes), $"{bytes}:2: byte 0xFF is not valid UTF-8");
    }

    private static string PolicyPath(string name) => Path.Combine(CliRunner.Root, "policies", name + ".yaml");

    // ---- item 7: model configs, bench options, a missing interpreter -------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    public async Task A_model_whose_config_declares_no_positive_context_is_rejected_at_load(int positions)
    {
        var model = _temp.CreateSubdirectory("model-" + positions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var file in Directory.GetFiles(TinyChat)) File.Copy(file, Path.Combine(model.FullName, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model.FullName, "config.json")))!;
        config["max_position_embeddings"] = positions;
        File.WriteAllText(Path.Combine(model.FullName, "config.json"), config.ToJsonString());

        AssertBadInput(await CliRunner.RunAsync("score", "--model", model.FullName, "--transcript", CliRunner.Example("transcripts", "arithmetic.json")),
            Path.Combine(model.FullName, "config.json"), $"\"max_position_embeddings\" is {positions}; expected a whole number of at least 2");
    }

    [Fact]
    public async Task Bench_with_a_negative_context_is_an_option_error()
    {
        AssertBenchBadInput(await CliRunner.RunBenchAsync("incremental", "--model", TinyChat, "--context", "-1", "--turns", "2", "--repeats", "1"),
            "--context must be at least 2 tokens");
    }

    [Fact]
    public async Task Bench_with_a_missing_python_says_how_to_go_on()
    {
        var missing = Path.Combine(_temp.FullName, "no-python", "python3");
        AssertBenchBadInput(await CliRunner.RunBenchAsync("throughput", "--model", TinyChat, "--tokens", "16", "--repeats", "1", "--no-matmul",
            "--python", missing), $"cannot start {missing}", "--no-baseline");
    }

    [Fact]
    public async Task The_shipped_tool_has_no_bench_command_the_harness_needs_the_repository()
    {
        var r = await CliRunner.RunAsync("bench", "incremental");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("bench", r.Error);
    }

    /// <summary>The harness keeps the tool's contract: exit 2 and one line on stderr, under its own name.</summary>
    private static void AssertBenchBadInput(CliRunner.Result r, params string[] expected)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Output);
        var line = Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("enaction-bench: ", line);
        foreach (var e in expected) Assert.Contains(e, line);
    }

    // ---- item 7: outputs ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_folder_given_as_the_report_file_is_refused_before_any_work()
    {
        var folder = _temp.CreateSubdirectory("report.html");
        AssertBadInput(await CliRunner.RunAsync("report", "--input", Records, "--out", folder.FullName), "--out: ", "is a folder; expected a file name");
        Assert.Empty(folder.GetFileSystemInfos());
    }

    [Fact]
    public async Task A_full_disk_under_standard_output_is_one_line_on_stderr()
    {
        // Unbuffered, and the writer is not disposed: its unwritten text would only fail again on the test's side.
        await using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var output = new StreamWriter(full) { AutoFlush = true };
        using var error = new StringWriter();
        var code = await CliApplication.RunAsync(["score", "--json", "--model", TinyChat, "--transcript", CliRunner.Example("transcripts", "arithmetic.json")], output, error);
        Assert.Equal(2, code);
        var line = Assert.Single(error.ToString().TrimEnd().Split('\n'));
        Assert.StartsWith("enaction: ", line);
        Assert.Contains("No space left on device", line);
    }

    [Fact]
    public async Task Two_outputs_are_written_together_or_not_at_all()
    {
        const string own = """{"messages":[{"role":"user","content":"What is 12 + 7?"},{"role":"assistant","content":"12 + 7 is 19."}],"target":1,"off_policy":false,"source":"own","family":"f"}""";
        const string off = """{"messages":[{"role":"user","content":"What is 12 + 7?"},{"role":"assistant","content":"Bright copper kettles hum beneath the orchard."}],"target":1,"off_policy":true,"source":"other-model","family":"f"}""";
        var dataset = Write("d.jsonl", own + "\n" + off + "\n");
        var json = Path.Combine(_temp.FullName, "evaluation.json");
        File.WriteAllText(json, "previous");

        // The second output is a full disk: the first is not replaced, and no temporary file is left beside it.
        var r = await CliRunner.RunAsync("evaluate", "--model", TinyChat, "--dataset", dataset, "--save-json", json, "--save-features", "/dev/full");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Output);
        Assert.Equal("enaction: No space left on device : '/dev/full'", r.Error.TrimEnd().Split('\n')[^1]);
        Assert.DoesNotContain("   at ", r.Error);
        Assert.Equal("previous", File.ReadAllText(json));
        Assert.Equal(["d.jsonl", "evaluation.json"], _temp.GetFiles().Select(f => f.Name).Order());

        var features = Path.Combine(_temp.FullName, "features.csv");
        r = await CliRunner.RunAsync("evaluate", "--model", TinyChat, "--dataset", dataset, "--save-json", json, "--save-features", features);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.StartsWith("{", File.ReadAllText(json));
        Assert.True(File.Exists(features));
    }

    // ---- item 8: torn audit lines ------------------------------------------------------------------------------------

    [Fact]
    public async Task A_torn_last_line_is_skipped_with_a_warning_and_the_rest_is_replayed()
    {
        var lines = File.ReadAllLines(Records);
        var torn = Write("torn.jsonl", string.Join('\n', lines) + "\n" + lines[2][..(lines[2].Length / 2)]);

        var r = await CliRunner.RunAsync("replay", "--policy", PolicyPath("strict"), "--input", torn, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(lines.Length, JsonDocument.Parse(r.Output).RootElement.GetProperty("turns").GetInt32());
        var warning = Assert.Single(r.Error.TrimEnd().Split('\n'));
        Assert.StartsWith($"enaction: warning: {torn}:{lines.Length + 1}: skipped a torn line", warning);

        var report = Path.Combine(_temp.FullName, "report.html");
        r = await CliRunner.RunAsync("report", "--input", torn, "--out", report);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"{lines.Length} turns", r.Output);
    }

    [Fact]
    public async Task A_torn_line_cut_inside_a_character_is_still_a_torn_line()
    {
        var lines = File.ReadAllLines(Records);
        var cut = Encoding.UTF8.GetBytes(lines[0].Replace("rotate", "rotaté", StringComparison.Ordinal));
        var at = Array.IndexOf(cut, (byte)0xC3) + 1;
        var torn = WriteBytes("torn-char.jsonl", [.. Encoding.UTF8.GetBytes(lines[0] + "\n"), .. cut[..at]]);
        var r = await CliRunner.RunAsync("replay", "--policy", PolicyPath("strict"), "--input", torn, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(1, JsonDocument.Parse(r.Output).RootElement.GetProperty("turns").GetInt32());
        Assert.Contains("skipped a torn line", r.Error);
    }

    [Fact]
    public async Task A_malformed_line_that_is_not_torn_is_still_an_error()
    {
        var lines = File.ReadAllLines(Records);
        var bad = Write("bad.jsonl", lines[0] + "\n{\"conversation_id\": 5}}\n");
        AssertBadInput(await CliRunner.RunAsync("replay", "--policy", PolicyPath("strict"), "--input", bad), $"{bad}:2: ");
    }
}
