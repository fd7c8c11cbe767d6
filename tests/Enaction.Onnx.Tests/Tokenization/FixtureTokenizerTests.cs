using Enaction.Onnx.Templates;
using Enaction.Onnx.Tokenization;

namespace Enaction.Onnx.Tests.Tokenization;

/// <summary>The SentencePiece and tiktoken fixtures under tests/fixtures/models encode like their Python references.</summary>
public class FixtureTokenizerTests
{
    private static string Dir(string name) => TestPaths.Fixture("models", name);

    private static FixtureReference Reference(string name) => FixtureReference.Read(Path.Combine(Dir(name), "reference.json"));

    private static void AssertIds(int[] expected, IReadOnlyList<int> actual, string what) =>
        Assert.True(expected.SequenceEqual(actual), $"{what}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");

    /// <summary>Offsets never go backwards, stay inside the text and together cover all of it but removed whitespace.</summary>
    private static void AssertOffsetsCover(TextTokenizer tokenizer, string text)
    {
        var ids = new List<int>();
        var offsets = new List<Range>();
        tokenizer.Encode(text, ids, offsets);
        var end = 0;
        foreach (var r in offsets)
        {
            Assert.InRange(r.Start.Value, 0, text.Length);
            Assert.InRange(r.End.Value, r.Start.Value, text.Length);
            Assert.True(r.Start.Value >= end || r.End.Value <= end, $"{text}: offsets overlap");
            if (r.Start.Value > end)
                Assert.True(text[end..r.Start.Value].All(char.IsWhiteSpace), $"{text}: characters before {r.Start.Value} are not covered");
            end = Math.Max(end, r.End.Value);
        }
    }

    [Fact]
    public void Sentencepiece_model_matches_python_ids()
    {
        var tokenizer = TextTokenizer.Load(Dir("sentencepiece"));
        Assert.Equal("sentencepiece", tokenizer.Kind);
        var reference = Reference("sentencepiece");
        Assert.Equal(reference.VocabularySize, tokenizer.VocabularySize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        foreach (var (text, ids) in reference.Checks)
        {
            AssertIds(ids, tokenizer.Encode(text), text);
            AssertOffsetsCover(tokenizer, text);
        }
    }

    [Fact]
    public void Sentencepiece_rendered_transcripts_match_python_ids_with_special_tokens_split_out()
    {
        var tokenizer = TextTokenizer.Load(Dir("sentencepiece"));
        foreach (var (name, _, text, ids) in Reference("sentencepiece").Transcripts)
        {
            AssertIds(ids, tokenizer.Encode(text), name);
            AssertOffsetsCover(tokenizer, text);
        }
    }

    [Fact]
    public void Tiktoken_rank_file_matches_python_ids()
    {
        var tokenizer = TextTokenizer.Load(Dir("tiktoken"));
        Assert.Equal("tiktoken", tokenizer.Kind);
        var reference = Reference("tiktoken");
        Assert.Equal(reference.VocabularySize, tokenizer.VocabularySize);
        Assert.Equal(2, tokenizer.EosTokenId);
        foreach (var (text, ids) in reference.Checks)
        {
            AssertIds(ids, tokenizer.Encode(text), text);
            AssertOffsetsCover(tokenizer, text);
        }
    }

    [Fact]
    public void Tiktoken_transcripts_encode_like_python()
    {
        var dir = Dir("tiktoken");
        var encoder = new TranscriptEncoder(TextTokenizer.Load(dir), ChatTemplate.Load(dir));
        foreach (var (name, transcript, text, ids) in Reference("tiktoken").Transcripts)
        {
            var encoded = encoder.Encode(transcript);
            Assert.Equal(text, encoded.Text);
            AssertIds(ids, encoded.Ids, name);
        }
    }

    [Fact]
    public void Tiktoken_rank_file_with_a_bad_line_names_the_line()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "vocab.tiktoken"), "YQ== 0\n\nYg== 1\nnot-base64!! 2\n");
        var e = Assert.Throws<Models.ModelLoadException>(() => TextTokenizer.Load(dir));
        Assert.EndsWith("vocab.tiktoken", e.Path);
        Assert.Contains("line 4", e.Problem);
    }
}
