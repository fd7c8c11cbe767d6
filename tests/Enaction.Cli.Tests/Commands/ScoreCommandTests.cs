using System.Text.Json;

namespace Enaction.Cli.Tests.Commands;

public sealed class ScoreCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-cli-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_temp.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static readonly string Transcript = CliRunner.Example("transcripts", "arithmetic.json");

    [Fact]
    public async Task Json_output_follows_the_documented_schema()
    {
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", Transcript, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Output);
        Assert.Equal("tiny-chat", doc.RootElement.GetProperty("model").GetString());
        var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().ToList();
        Assert.True(tokens.Count > 10);
        Assert.Equal(JsonValueKind.Null, tokens[0].GetProperty("entropy").ValueKind);
        Assert.Equal(JsonValueKind.Null, tokens[0].GetProperty("rank").ValueKind);
        foreach (var t in tokens.Skip(1))
        {
            Assert.True(t.GetProperty("entropy").GetDouble() >= 0);
            Assert.True(t.GetProperty("surprisal").GetDouble() >= 0);
            Assert.True(t.GetProperty("rank").GetInt32() >= 1);
        }
        var assistant = tokens.Where(t => t.GetProperty("role").ValueKind == JsonValueKind.String && t.GetProperty("role").GetString() == "assistant").ToList();
        Assert.NotEmpty(assistant);
        Assert.All(assistant, t => Assert.Equal(2, t.GetProperty("message").GetInt32()));
        var text = string.Concat(assistant.Select(t => t.GetProperty("text").GetString()));
        Assert.Equal("12 + 7 = 19.", text);
    }

    [Fact]
    public async Task Table_output_has_per_message_means()
    {
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", Transcript);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Per message", r.Output);
        Assert.Contains("assistant", r.Output);
        Assert.Contains("12 + 7 = 19.", r.Output);
    }

    [Fact]
    public async Task Missing_model_directory_is_one_line_on_stderr()
    {
        var r = await CliRunner.RunAsync("score", "--model", Path.Combine(_temp.FullName, "nope"), "--transcript", Transcript);
        AssertBadInput(r, "no such model directory");
    }

    [Fact]
    public async Task Corrupt_model_directory_names_the_file()
    {
        var dir = Path.Combine(_temp.FullName, "corrupt");
        Write("corrupt/config.json", "{\"vocab_size\": 2048,");
        Write("corrupt/model.onnx", "not an onnx file");
        var r = await CliRunner.RunAsync("score", "--model", dir, "--transcript", Transcript);
        AssertBadInput(r, "config.json");

        Write("corrupt/config.json", "{\"vocab_size\": 2048}");
        r = await CliRunner.RunAsync("score", "--model", dir, "--transcript", Transcript);
        AssertBadInput(r, "model.onnx");
    }

    [Fact]
    public async Task An_onnx_file_that_is_not_a_decoder_is_rejected()
    {
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Fixture("models", "not-a-decoder"), "--transcript", Transcript);
        AssertBadInput(r, "not a causal LM decoder");
    }

    [Fact]
    public async Task A_tokenizer_larger_than_the_logits_is_rejected_with_both_sizes()
    {
        var dir = Path.Combine(_temp.FullName, "mismatch");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(CliRunner.Fixture("models", "vocab-mismatch")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        foreach (var name in new[] { "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json" })
            File.Copy(Path.Combine(CliRunner.Model("tiny-chat"), name), Path.Combine(dir, name), overwrite: true);
        var r = await CliRunner.RunAsync("score", "--model", dir, "--transcript", Transcript);
        AssertBadInput(r, "the tokenizer has 2048 tokens but the model's logits have 364 entries");
    }

    [Fact]
    public async Task Invalid_transcript_json_gives_line_and_column()
    {
        var path = Write("bad.json", "{\"messages\":[\n  {\"role\":\"user\" \"content\":\"x\"}]}");
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", path);
        AssertBadInput(r, "bad.json:2:");
    }

    [Fact]
    public async Task Unknown_role_is_rejected()
    {
        var path = Write("role.json", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}");
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", path);
        AssertBadInput(r, "unknown role \"wizard\"");
    }

    [Fact]
    public async Task Empty_transcript_is_rejected()
    {
        var path = Write("empty.json", "{\"messages\":[]}");
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", path);
        AssertBadInput(r, "empty");
    }

    [Fact]
    public async Task Missing_transcript_file_is_rejected()
    {
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", Path.Combine(_temp.FullName, "none.json"));
        AssertBadInput(r, "no such transcript file");
    }

    [Fact]
    public async Task Cuda_provider_without_cuda_fails_clearly()
    {
        var r = await CliRunner.RunAsync("score", "--model", CliRunner.Model("tiny-chat"), "--transcript", Transcript, "--provider", "cuda");
        AssertBadInput(r, "cuda execution provider is not available");
    }

    internal static void AssertBadInput(CliRunner.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Output);
        var lines = r.Error.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("enaction: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }
}
