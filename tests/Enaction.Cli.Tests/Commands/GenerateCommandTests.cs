using System.Text.Json;

namespace Enaction.Cli.Tests.Commands;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-generate-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_temp.FullName, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Appends_one_reproducible_response_and_prints_the_transcript_as_json()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the river town.\"}]}");
        var a = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "4", "--max-tokens", "24", "--json");
        var b = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "4", "--max-tokens", "24", "--json");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Output, b.Output);
        using var doc = JsonDocument.Parse(a.Output);
        var messages = doc.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(messages[1].GetProperty("content").GetString()));

        var plain = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "4", "--max-tokens", "24");
        Assert.Equal(messages[1].GetProperty("content").GetString(), plain.Output.TrimEnd('\n'));
    }

    [Fact]
    public async Task Samples_as_the_models_generation_config_says_unless_told_otherwise()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the river town.\"}]}");
        var greedy = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--temperature", "0", "--max-tokens", "24");
        Assert.Equal(0, greedy.ExitCode);

        // A copy of the model whose generation_config.json asks for greedy decoding, then for a very hot sampler.
        var copy = Directory.CreateDirectory(Path.Combine(_temp.FullName, "model"));
        foreach (var file in Directory.GetFiles(CliRunner.Model("tiny-chat")))
            File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
        var config = Path.Combine(copy.FullName, "generation_config.json");
        File.WriteAllText(config, "{\"do_sample\": false, \"eos_token_id\": 2}");
        var shippedGreedy = await CliRunner.RunAsync("generate", "--model", copy.FullName, "--transcript", input, "--seed", "9", "--max-tokens", "24");
        Assert.Equal(greedy.Output, shippedGreedy.Output);

        File.WriteAllText(config, "{\"temperature\": 5.0, \"eos_token_id\": 2}");
        var hot = await CliRunner.RunAsync("generate", "--model", copy.FullName, "--transcript", input, "--seed", "9", "--max-tokens", "24");
        Assert.NotEqual(greedy.Output, hot.Output);
        var overridden = await CliRunner.RunAsync("generate", "--model", copy.FullName, "--transcript", input, "--temperature", "0", "--max-tokens", "24");
        Assert.Equal(greedy.Output, overridden.Output);

        File.WriteAllText(config, "{\"top_p\": 2}");
        ScoreCommandTests.AssertBadInput(await CliRunner.RunAsync("generate", "--model", copy.FullName, "--transcript", input), "generation_config.json");
    }

    [Fact]
    public async Task A_trailing_assistant_message_is_continued()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the river town.\"},{\"role\":\"assistant\",\"content\":\"The river town\"}]}");
        var r = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "1", "--max-tokens", "12", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Output);
        var messages = doc.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.StartsWith("The river town", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Out_of_range_sampling_options_are_one_line_errors()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        var r = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--top-p", "1.5");
        ScoreCommandTests.AssertBadInput(r, "--top-p");
        r = await CliRunner.RunAsync("generate", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--temperature", "-1");
        ScoreCommandTests.AssertBadInput(r, "--temperature");
    }

    [Fact]
    public async Task The_genai_engine_writes_what_the_onnx_engine_writes_for_the_same_seed()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the river town.\"}]}");
        var onnx = await CliRunner.RunAsync("generate", "--engine", "onnx", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "4", "--max-tokens", "40", "--json");
        var genai = await CliRunner.RunAsync("generate", "--engine", "genai", "--model", CliRunner.Model("tiny-chat"), "--transcript", input, "--seed", "4", "--max-tokens", "40", "--json");
        Assert.True(genai.ExitCode == 0, genai.Error);
        Assert.Equal("", genai.Error);
        Assert.Equal(onnx.Output, genai.Output);
    }

    [Fact]
    public async Task The_genai_engine_on_cuda_without_its_library_is_a_one_line_error()
    {
        var input = Write("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        var r = await CliRunner.RunAsync("generate", "--engine", "genai", "--provider", "cuda", "--model", CliRunner.Model("tiny-chat"), "--transcript", input);
        ScoreCommandTests.AssertBadInput(r, "OnnxRuntimeGenAI cannot run on cuda");
    }
}
