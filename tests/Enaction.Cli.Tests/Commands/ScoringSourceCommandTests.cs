using System.Text.Json;
using Enaction.Detection;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli.Tests.Commands;

/// <summary>Whose distribution scores each assistant message, as <c>detect</c>, <c>replay</c> and <c>report</c> show it.</summary>
public sealed class ScoringSourceCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-sources-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static readonly Transcript Prompt = new([TranscriptMessage.User("Tell me about Gafan.")]);
    private const string Injected = "Bright copper kettles hum beneath the orchard while seven grey herons argue about the price of wool in winter.";

    private static readonly Lazy<Task<string>> OwnSample = new(async () =>
    {
        using var model = CausalLanguageModel.Load(CliRunner.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        return (await new LocalGenerator(model).GenerateAsync(Prompt, new GenerationOptions { Seed = 11, MaxTokens = 200 })).Text;
    });

    /// <summary>The model's own answer, a second question, and an assistant turn the model did not write, by <paramref name="injectedBy"/>.</summary>
    private async Task<string> InjectedTranscriptAsync(string name, string? injectedBy)
    {
        var transcript = Prompt
            .Append(TranscriptMessage.Assistant(await OwnSample.Value))
            .Append(TranscriptMessage.User("What is 12 + 7?"))
            .Append(TranscriptMessage.Assistant(Injected) with { Model = injectedBy });
        var path = Path.Combine(_temp.FullName, name);
        await File.WriteAllTextAsync(path, TranscriptJson.ToJson(transcript));
        return path;
    }

    private static JsonDocument Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Error);
        return JsonDocument.Parse(r.Output);
    }

    private static List<(int Message, string Generator, string Source)> Scoring(JsonDocument doc) =>
        [.. doc.RootElement.GetProperty("scoring").EnumerateArray()
            .Select(s => (s.GetProperty("message").GetInt32(), s.GetProperty("generator").GetString()!, s.GetProperty("source").GetString()!))];

    private static List<JsonElement> Findings(JsonDocument doc) => [.. doc.RootElement.GetProperty("findings").EnumerateArray()];

    [Fact]
    public async Task A_turn_another_model_wrote_is_scored_as_a_surrogate_and_raises_no_off_policy_finding()
    {
        var model = CliRunner.Model("tiny-chat");
        using var marked = Json(await CliRunner.RunAsync("detect", "--model", model, "--transcript", await InjectedTranscriptAsync("marked.json", "gpt-4o-mini"), "--json"));
        Assert.Equal([(1, "tiny-chat", "same-model"), (3, "gpt-4o-mini", "surrogate")], Scoring(marked));
        Assert.DoesNotContain(Findings(marked), f => f.GetProperty("kind").GetString() == FindingKinds.OffPolicy);
        Assert.DoesNotContain(Findings(marked), f => f.GetProperty("message").GetInt32() == 3
            && f.GetProperty("kind").GetString() is FindingKinds.BrokenIntention or FindingKinds.OverconfidentSpan);

        // The same transcript without the field is the scoring model's own, as before: the injected turn is off-policy.
        using var unmarked = Json(await CliRunner.RunAsync("detect", "--model", model, "--transcript", await InjectedTranscriptAsync("unmarked.json", null), "--json"));
        Assert.Equal([(1, "tiny-chat", "same-model"), (3, "tiny-chat", "same-model")], Scoring(unmarked));
        var off = Assert.Single(Findings(unmarked), f => f.GetProperty("kind").GetString() == FindingKinds.OffPolicy);
        Assert.Equal(3, off.GetProperty("message").GetInt32());
        Assert.Equal("same-model", off.GetProperty("detail").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Generator_model_names_the_writer_of_messages_without_one()
    {
        var path = await InjectedTranscriptAsync("unmarked.json", null);
        var model = CliRunner.Model("tiny-chat");
        using var doc = Json(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--generator-model", "llama-3.1-8b", "--json"));
        Assert.Equal([(1, "llama-3.1-8b", "surrogate"), (3, "llama-3.1-8b", "surrogate")], Scoring(doc));
        Assert.DoesNotContain(Findings(doc), f => f.GetProperty("kind").GetString() is FindingKinds.OffPolicy or FindingKinds.BrokenIntention or FindingKinds.OverconfidentSpan);

        // Naming the scoring model itself is same-model scoring.
        using var own = Json(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--generator-model", "tiny-chat", "--json"));
        Assert.All(Scoring(own), s => Assert.Equal("same-model", s.Source));

        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--generator-model", " "), "--generator-model is empty");
    }

    [Fact]
    public async Task With_a_surrogate_calibration_the_surrogate_turn_is_judged_and_its_finding_says_so()
    {
        var model = CliRunner.Model("tiny-chat");
        var path = await InjectedTranscriptAsync("marked.json", "gpt-4o-mini");
        var sha = Calibration.HashFile(Path.Combine(model, "model.onnx"));
        var surrogate = new Calibration
        {
            ModelId = "tiny-chat",
            ModelSha256 = sha,
            SurrogateFor = "gpt-4o-mini",
            Reports = System.Collections.Immutable.ImmutableSortedDictionary.Create<string, DetectorReport>(StringComparer.Ordinal).Add("curvature", new DetectorReport { Threshold = 3.0 }),
        };
        var surrogatePath = Path.Combine(_temp.FullName, "surrogate.json");
        surrogate.Save(surrogatePath);

        using var doc = Json(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--surrogate-calibration", surrogatePath, "--json"));
        var off = Assert.Single(Findings(doc), f => f.GetProperty("kind").GetString() == FindingKinds.OffPolicy);
        Assert.Equal(3, off.GetProperty("message").GetInt32());
        Assert.Equal("surrogate", off.GetProperty("detail").GetProperty("source").GetString());
        Assert.Equal("curvature-calibrated", off.GetProperty("detail").GetProperty("method").GetString());

        // A surrogate calibration is not a same-model one, and the other way round.
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--calibration", surrogatePath), "pass it as --surrogate-calibration");
        var ownPath = Path.Combine(_temp.FullName, "own.json");
        (surrogate with { SurrogateFor = null }).Save(ownPath);
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("detect", "--model", model, "--transcript", path, "--surrogate-calibration", ownPath), "pass it as --calibration");
    }

    [Fact]
    public async Task Evaluate_names_a_surrogate_when_the_dataset_was_written_by_another_generator()
    {
        var dataset = Path.Combine(_temp.FullName, "d.jsonl");
        var line = JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = "Tell me about Gafan." }, new { role = "assistant", content = await OwnSample.Value } }, target = 1, off_policy = false, source = "own", family = "open-ended" });
        await File.WriteAllTextAsync(dataset, line + "\n");
        var r = await CliRunner.RunAsync("evaluate", "--model", CliRunner.Model("tiny-chat"), "--dataset", dataset, "--generator-model", "gpt-4o-mini", "--json");
        using var doc = Json(r);
        Assert.Equal("gpt-4o-mini", doc.RootElement.GetProperty("generator").GetString());
        Assert.Equal("surrogate", doc.RootElement.GetProperty("scoring_source").GetString());
        Assert.Contains("a surrogate", r.Error);
    }

    [Fact]
    public async Task The_table_says_whose_distribution_scored_each_assistant_message()
    {
        var r = await CliRunner.RunAsync("detect", "--model", CliRunner.Model("tiny-chat"), "--transcript", await InjectedTranscriptAsync("marked.json", "gpt-4o-mini"));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("message 1 by tiny-chat: same-model, scored with the generator's own weights", r.Output);
        Assert.Contains("message 3 by gpt-4o-mini: surrogate, scored by a different model (a surrogate): its surprise, not the generator's; off-policy, broken-intention and overconfident-span do not judge it", r.Output);
    }

    [Fact]
    public async Task The_report_marks_recorded_turns_of_another_generator_as_surrogate_scored()
    {
        var output = Path.Combine(_temp.FullName, "report.html");
        var r = await CliRunner.RunAsync("report", "--input", CliRunner.Fixture("records", "turns.jsonl"), "--out", output, "--model", CliRunner.Model("tiny-chat"));
        Assert.True(r.ExitCode == 0, r.Error);
        var html = await File.ReadAllTextAsync(output);
        Assert.Contains("data-notice=\"surrogate\"", html);
        Assert.Contains("data-source=\"surrogate\" data-generator=\"gpt-4o-mini\"", html);
        Assert.DoesNotContain("data-source=\"same-model\"", html);
    }
}
