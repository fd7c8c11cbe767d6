using Enaction.Evaluation;

namespace Enaction.Cli.Tests.Commands;

public sealed class DatasetCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-dataset-");

    public void Dispose() => _temp.Delete(recursive: true);

    internal const string Prompts = """
        {"prompt":"Tell me about Gafan.","family":"open-ended","topic":"Gafan","answers":["Here is a short note on Gafan.\nI think it is good.\nFirst, it was founded by Arno, which is nice.\nAlso, it is known for its salt, which is nice.\nLast, the weather there is mostly sunny, which is nice.\nIn short, Gafan is good for its history and trade."]}
        {"prompt":"Describe the krovoul.","family":"open-ended","system":"You are a helpful assistant.","topic":"krovoul","answers":[]}
        {"prompt":"What can you say about the raikrul?","family":"open-ended","topic":"raikrul"}
        {"prompt":"What is 12 + 7?","family":"arithmetic","topic":"12+7","answers":["It is 19.","12 + 7 = 19."]}
        """;

    internal static string WritePrompts(DirectoryInfo dir, string name = "prompts.jsonl", string content = Prompts)
    {
        var path = Path.Combine(dir.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Writes_labelled_transcripts_of_every_source()
    {
        var output = Path.Combine(_temp.FullName, "d.jsonl");
        var r = await CliRunner.RunAsync("dataset", "--model", CliRunner.Model("tiny-chat"), "--other-model", CliRunner.Model("tiny-base"),
            "--prompts", WritePrompts(_temp), "--out", output, "--seed", "3", "--max-tokens", "64");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("wrote ", r.Output);
        var data = await LabelledTranscriptJsonl.LoadAsync(output);
        Assert.Equal(data.Count, File.ReadAllLines(output).Length);
        Assert.Equal(3, data.Count(e => e.Source == OffPolicySources.Corpus));
        foreach (var source in new[] { OffPolicySources.Own, OffPolicySources.OtherModel, OffPolicySources.Swap, OffPolicySources.Prefill })
            Assert.Contains(data, e => e.Source == source);
        Assert.All(data, e => Assert.Equal(e.Source != OffPolicySources.Own, e.OffPolicy));
        Assert.All(data.Where(e => e.Source == OffPolicySources.Prefill), e => Assert.True(e.PrefillChars > 0));
        Assert.Contains("sampling", r.Error); // progress goes to standard error

        // Same seed, same file.
        var again = Path.Combine(_temp.FullName, "again.jsonl");
        await CliRunner.RunAsync("dataset", "--model", CliRunner.Model("tiny-chat"), "--other-model", CliRunner.Model("tiny-base"),
            "--prompts", WritePrompts(_temp), "--out", again, "--seed", "3", "--max-tokens", "64");
        Assert.Equal(File.ReadAllText(output), File.ReadAllText(again));

        // The sampler to calibrate for: greedy own samples are the same whatever the sample's seed.
        var greedy = Path.Combine(_temp.FullName, "greedy.jsonl");
        var g = await CliRunner.RunAsync("dataset", "--model", CliRunner.Model("tiny-chat"), "--prompts", WritePrompts(_temp), "--out", greedy,
            "--samples", "2", "--max-tokens", "32", "--temperature", "0");
        Assert.True(g.ExitCode == 0, g.Error);
        var own = (await LabelledTranscriptJsonl.LoadAsync(greedy)).Where(e => e.Source == OffPolicySources.Own)
            .GroupBy(e => e.Transcript[e.Target - 1].Content).ToList();
        Assert.NotEmpty(own);
        Assert.All(own, samples => Assert.Single(samples.Select(e => e.Transcript[e.Target].Content).Distinct()));
    }

    [Fact]
    public async Task Bad_inputs_are_one_line_errors_and_write_nothing()
    {
        var output = Path.Combine(_temp.FullName, "d.jsonl");
        var model = CliRunner.Model("tiny-chat");
        var bad = WritePrompts(_temp, "bad.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\n");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", bad, "--out", output), "bad.jsonl:2:");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", Path.Combine(_temp.FullName, "none.jsonl"), "--out", output), "no such prompt file");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", WritePrompts(_temp, "one.jsonl", "{\"prompt\":\"a\"}\n"), "--out", output), "at least two");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", WritePrompts(_temp), "--out", Path.Combine(_temp.FullName, "no", "d.jsonl")), "does not exist");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", WritePrompts(_temp), "--out", output, "--samples", "0"), "--samples");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", model, "--prompts", WritePrompts(_temp), "--out", output, "--top-p", "1.5"), "--top-p");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("dataset", "--model", Path.Combine(_temp.FullName, "nope"), "--prompts", WritePrompts(_temp), "--out", output), "no such model directory");
        Assert.False(File.Exists(output));
        Assert.Empty(_temp.GetFiles("*.tmp-*"));
    }
}
