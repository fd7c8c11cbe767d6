using System.Text.Json;
using System.Text.Json.Nodes;
using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;
using HuggingFaceTokenizer = Tokenizers.DotNet.Tokenizer;

namespace Enaction.Onnx.Tests.Tokenization;

/// <summary>
/// Each normalizer and pre-tokenizer the loader applies, swapped into the bundled model's tokenizer.json and compared
/// with Hugging Face <c>tokenizers</c> itself (Tokenizers.DotNet) on the committed fidelity strings.
/// </summary>
public class PipelineComponentTests
{
    private static readonly Lazy<string[]> Strings = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("tokenizers", "fidelity-strings.json")));
        return [.. doc.RootElement.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!)];
    });

    /// <summary>A copy of tiny-chat's tokenizer.json with <paramref name="edit"/> applied, in a fresh folder.</summary>
    private static string Variant(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json")))!.AsObject();
        edit(json);
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        return dir;
    }

    private static JsonNode Split(string regex, string behavior, bool invert = false) => JsonNode.Parse(
        $$"""{"type": "Split", "pattern": {"Regex": {{JsonSerializer.Serialize(regex)}}}, "behavior": "{{behavior}}", "invert": {{(invert ? "true" : "false")}}}""")!;

    private static JsonNode ByteLevel => JsonNode.Parse("""{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}""")!;

    private static void AssertEqualsHuggingFace(string dir)
    {
        var ours = TextTokenizer.Load(dir);
        using var theirs = new HuggingFaceTokenizer(Path.Combine(dir, "tokenizer.json"));
        foreach (var text in Strings.Value)
        {
            var expected = theirs.Encode(text).Select(id => (int)id).ToArray();
            var actual = ours.Encode(text);
            Assert.True(expected.SequenceEqual(actual), $"{JsonSerializer.Serialize(text)}: HF [{string.Join(",", expected)}], ours [{string.Join(",", actual)}]");
            var offsets = new List<Range>();
            ours.Encode(text, [], offsets);
            Assert.All(offsets, r => Assert.InRange(r.End.Value, r.Start.Value, text.Length));
        }
    }

    [Theory]
    [InlineData("Removed", false)]
    [InlineData("Isolated", false)]
    [InlineData("MergedWithPrevious", false)]
    [InlineData("MergedWithNext", false)]
    [InlineData("Contiguous", false)]
    [InlineData("Removed", true)]
    [InlineData("Isolated", true)]
    [InlineData("MergedWithPrevious", true)]
    [InlineData("MergedWithNext", true)]
    [InlineData("Contiguous", true)]
    public void Split_behaves_as_hugging_face_for_every_behavior(string behavior, bool invert) =>
        AssertEqualsHuggingFace(Variant(json => json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(Split(@"\s+|[.,!?;:]", behavior, invert), ByteLevel),
        }));

    [Theory]
    [InlineData("""{"type": "NFKC"}""")]
    [InlineData("""{"type": "NFD"}""")]
    [InlineData("""{"type": "NFKD"}""")]
    [InlineData("""{"type": "Lowercase"}""")]
    [InlineData("""{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}""")]
    [InlineData("""{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "_"}, {"type": "Replace", "pattern": {"String": "ab"}, "content": "b"}]}""")]
    [InlineData("""{"type": "Strip", "strip_left": true, "strip_right": true}""")]
    public void Normalizers_behave_as_hugging_face(string normalizer) =>
        AssertEqualsHuggingFace(Variant(json => json["normalizer"] = JsonNode.Parse(normalizer)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Digits_behaves_as_hugging_face(bool individual) =>
        AssertEqualsHuggingFace(Variant(json => json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(JsonNode.Parse($$"""{"type": "Digits", "individual_digits": {{(individual ? "true" : "false")}}}"""), ByteLevel),
        }));

    [Fact]
    public void Nfkc_offsets_map_a_compatibility_character_to_the_original_it_came_from()
    {
        var tokenizer = TextTokenizer.Load(Variant(json => json["normalizer"] = JsonNode.Parse("""{"type": "NFKC"}""")));
        const string text = "x \uFB01ne e\u0301";
        var ids = new List<int>();
        var offsets = new List<Range>();
        tokenizer.Encode(text, ids, offsets);
        // "ﬁ" becomes "fi": the tokens spelling it point at the one ligature character; "e" + U+0301 at both characters.
        Assert.Contains(offsets, r => text[r] is "\uFB01" or " \uFB01" or " \uFB01ne" or "\uFB01ne");
        Assert.Equal(text.Length, offsets[^1].End.Value);
        Assert.Contains(offsets, r => text[r].EndsWith("e\u0301", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"type": "Metaspace", "replacement": "▁"}""", "pre_tokenizer \"Metaspace\"")]
    [InlineData("""{"type": "Whitespace"}""", "pre_tokenizer \"Whitespace\"")]
    public void An_unsupported_pre_tokenizer_is_a_one_line_error_naming_it(string component, string named)
    {
        var dir = Variant(json => json["pre_tokenizer"] = JsonNode.Parse(component));
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.Contains(named, e.Problem);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_unsupported_normalizer_is_a_one_line_error_naming_it()
    {
        var dir = Variant(json => json["normalizer"] = JsonNode.Parse("""{"type": "BertNormalizer"}"""));
        var e = Assert.Throws<ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.Contains("normalizer \"BertNormalizer\" is not supported", e.Problem);
    }
}
