using System.Text.Json;

namespace Enaction.Cli.Tests.Commands;

public sealed class TokenizeCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-tokenize-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Json_lists_ids_token_texts_and_offsets_that_spell_the_text()
    {
        const string text = "Hello, wörld!<|im_end|>\n  x";
        var r = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"), "--text", text, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var doc = JsonDocument.Parse(r.Output);
        Assert.Equal("bpe", doc.RootElement.GetProperty("tokenizer").GetString());
        var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal(tokens.Count, doc.RootElement.GetProperty("count").GetInt32());
        Assert.Contains(tokens, t => t.GetProperty("text").GetString() == "<|im_end|>" && t.GetProperty("id").GetInt32() == 2);
        var covered = 0;
        foreach (var t in tokens)
        {
            var (start, end) = (t.GetProperty("start").GetInt32(), t.GetProperty("end").GetInt32());
            Assert.True(start == covered || (start < covered && end == covered), $"token at {start} does not follow {covered}");
            var tokenText = t.GetProperty("text").GetString()!;
            if (!tokenText.StartsWith("<0x", StringComparison.Ordinal)) Assert.Equal(tokenText, text[start..end]);
            covered = Math.Max(covered, end);
        }
        Assert.Equal(text.Length, covered);
    }

    [Fact]
    public async Task A_text_file_gives_the_same_tokens_and_the_table_shows_them()
    {
        var path = Path.Combine(_temp.FullName, "text.txt");
        await File.WriteAllTextAsync(path, "line one\nline two");
        var fromFile = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"), "--text-file", path, "--json");
        var fromText = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"), "--text", "line one\nline two", "--json");
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(fromText.Output, fromFile.Output);

        var table = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"), "--text-file", path);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(" one ", table.Output);
        Assert.Contains("\\n", table.Output);
    }

    [Fact]
    public async Task Bad_input_is_one_line_with_exit_code_2()
    {
        var neither = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"));
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("exactly one of --text or --text-file", neither.Error);

        var binary = Path.Combine(_temp.FullName, "latin1.txt");
        await File.WriteAllBytesAsync(binary, [0x63, 0x61, 0x66, 0xE9]);
        var notUtf8 = await CliRunner.RunAsync("tokenize", "--model", CliRunner.Model("tiny-chat"), "--text-file", binary);
        Assert.Equal(2, notUtf8.ExitCode);
        Assert.Contains("not valid UTF-8", notUtf8.Error);
        Assert.Single(notUtf8.Error.Trim().Split('\n'));

        var noTokenizer = await CliRunner.RunAsync("tokenize", "--model", _temp.FullName, "--text", "x");
        Assert.Equal(2, noTokenizer.ExitCode);
        Assert.Contains("no tokenizer found", noTokenizer.Error);
    }
}
