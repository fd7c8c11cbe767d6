using System.Text;
using System.Text.Json.Nodes;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;

namespace Enaction.Onnx.Tests.Tokenization;

public class TextTokenizerTests
{
    private static readonly Lazy<FixtureReference> Reference = new(() => FixtureReference.Read(TestPaths.Fixture("reference", "tiny-chat.json")));

    private static readonly Lazy<TextTokenizer> TinyChat = new(() => TextTokenizer.Load(TestPaths.Model("tiny-chat")));

    private static string CopyModelFiles(params string[] names)
    {
        var dir = TestPaths.NewTempDirectory();
        foreach (var name in names) File.Copy(Path.Combine(TestPaths.Model("tiny-chat"), name), Path.Combine(dir, name));
        return dir;
    }

    private static void AssertEncodesLikePython(TextTokenizer tokenizer, IEnumerable<(string Text, int[] Ids)> checks)
    {
        foreach (var (text, expected) in checks)
        {
            var actual = tokenizer.Encode(text);
            Assert.True(expected.SequenceEqual(actual),
                $"{text}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public void Bpe_tokenizer_json_matches_python_ids()
    {
        var tokenizer = TinyChat.Value;
        Assert.Equal("bpe", tokenizer.Kind);
        Assert.EndsWith("tokenizer.json", tokenizer.SourcePath);
        AssertEncodesLikePython(tokenizer, Reference.Value.Checks);
    }

    [Fact]
    public void Bpe_tokenizer_json_reports_vocabulary_and_special_tokens()
    {
        var tokenizer = TinyChat.Value;
        Assert.Equal(Reference.Value.VocabularySize, tokenizer.VocabularySize);
        Assert.Equal(0, tokenizer.SpecialTokens["<|endoftext|>"]);
        Assert.Equal(1, tokenizer.SpecialTokens["<|im_start|>"]);
        Assert.Equal(2, tokenizer.SpecialTokens["<|im_end|>"]);
        Assert.Null(tokenizer.BosTokenId);
        Assert.False(tokenizer.AddBosToken);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.Equal([2], tokenizer.StopTokenIds);
    }

    [Fact]
    public void Vocab_json_and_merges_txt_encode_like_tokenizer_json()
    {
        var dir = CopyModelFiles("vocab.json", "merges.txt", "tokenizer_config.json");
        var tokenizer = TextTokenizer.Load(dir);
        Assert.Equal("bpe", tokenizer.Kind);
        Assert.EndsWith("vocab.json", tokenizer.SourcePath);
        Assert.Equal(TinyChat.Value.VocabularySize, tokenizer.VocabularySize);
        // Without tokenizer.json the split regex is GPT-2's (as HF's slow GPT2Tokenizer), which keeps digit runs
        // together; tiny-chat's tokenizer.json splits digits one by one, so strings with digit runs differ by design.
        var checks = Reference.Value.Checks.Where(c => !c.Text.Any(char.IsDigit)).ToList();
        Assert.NotEmpty(checks);
        AssertEncodesLikePython(tokenizer, checks);
        foreach (var (text, _) in checks) Assert.Equal(TinyChat.Value.Encode(text), tokenizer.Encode(text));
    }

    [Fact]
    public void Merges_in_array_form_load_like_string_form()
    {
        var dir = TestPaths.NewTempDirectory();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json")))!;
        var merges = json["model"]!["merges"]!.AsArray();
        var pairs = new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m!.GetValue<string>().Split(' ').Select(p => (JsonNode)JsonValue.Create(p)!).ToArray())).ToArray());
        json["model"]!["merges"] = pairs;
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        AssertEncodesLikePython(TextTokenizer.Load(dir), Reference.Value.Checks);
    }

    [Fact]
    public void Special_token_strings_in_text_become_single_ids()
    {
        var tokenizer = TinyChat.Value;
        var text = "a<|im_start|>user\nb<|im_end|><|endoftext|>";
        var ids = new List<int>();
        var offsets = new List<Range>();
        tokenizer.Encode(text, ids, offsets);
        Assert.Equal(3, ids.Count(id => id is 0 or 1 or 2));
        var start = ids.IndexOf(1);
        Assert.Equal("<|im_start|>", text[offsets[start]]);
        Assert.Equal("<|im_end|>", text[offsets[ids.IndexOf(2)]]);
        Assert.Equal("<|endoftext|>", text[offsets[ids.IndexOf(0)]]);
        Assert.Equal(text, tokenizer.Decode(ids.ToArray()));
    }

    [Fact]
    public void Ignore_merges_takes_whole_vocabulary_words_as_one_token()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json")))!;
        json["model"]!["vocab"]!["\u0120zzyzx"] = 2048; // " zzyzx", which no merge builds
        var merged = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(merged, "tokenizer.json"), json.ToJsonString());
        json["model"]!["ignore_merges"] = true;
        var ignoring = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(ignoring, "tokenizer.json"), json.ToJsonString());

        var text = "go zzyzx now<|im_end|>";
        var byMerges = TextTokenizer.Load(merged).Encode(text);
        Assert.DoesNotContain(2048, byMerges);
        var tokenizer = TextTokenizer.Load(ignoring);
        var ids = new List<int>();
        var offsets = new List<Range>();
        tokenizer.Encode(text, ids, offsets);
        Assert.Equal([.. TinyChat.Value.Encode("go"), 2048, .. TinyChat.Value.Encode(" now"), 2], ids);
        Assert.Equal(" zzyzx", text[offsets[ids.IndexOf(2048)]]);
        foreach (var (check, expected) in Reference.Value.Checks) Assert.Equal(expected, tokenizer.Encode(check));
    }

    [Fact]
    public void Possessive_quantifiers_in_the_split_pattern_are_accepted()
    {
        // Oniguruma (HF) and Python regex accept x++ / x?+; .NET needs atomic groups. Same pieces, same ids.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json")))!;
        var split = json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!;
        split["Regex"] = "'s|'t|'re|'ve|'m|'ll|'d| ?+\\p{L}++| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]++|\\s+(?!\\S)|\\s+";
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        AssertEncodesLikePython(TextTokenizer.Load(dir), Reference.Value.Checks);
    }

    [Fact]
    public void Rstrip_and_lstrip_added_tokens_absorb_the_whitespace_beside_them()
    {
        var dir = TestPaths.NewTempDirectory();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json")))!;
        foreach (var token in json["added_tokens"]!.AsArray())
        {
            if (token!["content"]!.GetValue<string>() == "<|im_start|>") token["rstrip"] = true;
            if (token["content"]!.GetValue<string>() == "<|im_end|>") token["lstrip"] = true;
        }
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        var tokenizer = TextTokenizer.Load(dir);

        var text = "<|im_start|> \nuser \n<|im_end|>";
        var ids = new List<int>();
        var offsets = new List<Range>();
        tokenizer.Encode(text, ids, offsets);
        Assert.Equal([1, .. TinyChat.Value.Encode("user"), 2], ids);
        Assert.Equal("user", text[offsets[1]]);
        Assert.Equal("<|im_end|>", text[offsets[^1]]);
    }

    [Fact]
    public void Offsets_map_back_to_the_characters_each_token_spells()
    {
        var tokenizer = TinyChat.Value;
        foreach (var (text, _) in Reference.Value.Checks)
        {
            var ids = new List<int>();
            var offsets = new List<Range>();
            tokenizer.Encode(text, ids, offsets);
            Assert.Equal(ids.Count, offsets.Count);
            Assert.Equal(text, tokenizer.Decode(ids.ToArray()));
            var covered = new StringBuilder();
            var end = 0;
            for (var i = 0; i < ids.Count; i++)
            {
                var (from, to) = (offsets[i].Start.Value, offsets[i].End.Value);
                // A character split over several byte tokens gives each of them the whole character.
                Assert.True(from == end || (from < end && to == end), $"{text}: token {i} starts at {from}, expected {end}");
                if (to > end) covered.Append(text, end, to - end);
                end = Math.Max(end, to);
                var tokenText = tokenizer.TokenText(ids[i]);
                if (!tokenText.StartsWith("<0x", StringComparison.Ordinal)) Assert.Equal(tokenText, text[from..to]);
            }
            Assert.Equal(text, covered.ToString());
        }
    }

    [Fact]
    public void Token_text_is_readable()
    {
        var tokenizer = TinyChat.Value;
        Assert.Equal("<|im_end|>", tokenizer.TokenText(2));
        var world = tokenizer.Encode(" world");
        Assert.Equal(" world", string.Concat(world.Select(tokenizer.TokenText)));
        var emoji = tokenizer.Encode("\U0001F642"); // four bytes, not in the tiny vocabulary as one token
        Assert.Equal("\U0001F642", tokenizer.Decode(emoji));
        if (emoji.Length > 1) Assert.StartsWith("<0xF0>", tokenizer.TokenText(emoji[0]));
    }

    [Fact]
    public void Missing_tokenizer_lists_the_files_looked_for()
    {
        var dir = TestPaths.NewTempDirectory();
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.Equal(dir, e.Path);
        Assert.Contains("tokenizer.json", e.Problem);
        Assert.Contains("vocab.json + merges.txt", e.Problem);
        Assert.Contains("tokenizer.model", e.Problem);
        Assert.Contains("*.tiktoken", e.Problem);
    }

    [Fact]
    public void Missing_model_directory_is_reported()
    {
        var dir = Path.Combine(TestPaths.NewTempDirectory(), "absent");
        Assert.Contains("does not exist", Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir)).Problem);
    }

    [Fact]
    public void Malformed_tokenizer_json_reports_line_and_column()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\n  \"model\": {\n    \"type\": \"BPE\",\n    \"vocab\": {\"a\": 0,}\n    x\n}");
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.EndsWith("tokenizer.json", e.Path);
        Assert.Contains("line 5, column 5", e.Problem);
    }

    [Fact]
    public void Non_byte_level_tokenizer_json_is_rejected_with_what_was_expected()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"),
            "{\"pre_tokenizer\": {\"type\": \"Metaspace\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.Contains("Metaspace", e.Problem);

        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.Contains("\"Unigram\"", e.Problem);
        Assert.Contains("byte-level", e.Problem);
    }

    [Fact]
    public void Inconsistent_merges_name_the_file()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"a\": 0, \"b\": 1}");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\na b\n");
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.EndsWith("vocab.json", e.Path);
        Assert.Contains("inconsistent", e.Problem);
    }
}
