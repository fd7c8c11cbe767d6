using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Microsoft.ML.OnnxRuntime;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>
/// The C# scorer against PyTorch: the bundled pair and one tiny model per export layout, each with references the
/// fixture script computed in float64 from PyTorch's float32 logits.
/// </summary>
public class ReferenceScoringTests
{
    public static TheoryData<string, string> Models() => new()
    {
        { "models/tiny-chat", "tests/fixtures/reference/tiny-chat.json" },
        { "models/tiny-base", "tests/fixtures/reference/tiny-base.json" },
        { "tests/fixtures/models/optimum-nopast", "tests/fixtures/models/optimum-nopast/reference.json" },
        { "tests/fixtures/models/merged", "tests/fixtures/models/merged/reference.json" },
        { "tests/fixtures/models/fp16-kv", "tests/fixtures/models/fp16-kv/reference.json" },
        { "tests/fixtures/models/genai", "tests/fixtures/models/genai/reference.json" },
        { "tests/fixtures/models/tiktoken", "tests/fixtures/models/tiktoken/reference.json" },
    };

    private static CausalLanguageModel Load(string model) =>
        CausalLanguageModel.Load(Path.Combine(TestPaths.RepoRoot, model), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Scores_match_the_pytorch_reference(string model, string reference)
    {
        using var lm = Load(model);
        using var scorer = new OnnxConversationScorer(lm);
        var references = ScoreReference.Read(Path.Combine(TestPaths.RepoRoot, reference));
        Assert.NotEmpty(references);
        foreach (var r in references.Where(r => r.Entropy.Length > 0))
        {
            var scored = await scorer.ScoreAsync(r.Transcript);
            Assert.Equal(r.Ids, scored.Tokens.Select(t => t.Id));
            for (var i = 0; i < r.Ids.Length; i++)
            {
                var t = scored.Tokens[i];
                if (r.Entropy[i] is null) { Assert.False(t.HasScore); continue; }
                Assert.True(Math.Abs(t.Entropy - r.Entropy[i]!.Value) <= 1e-3, $"{r.Name} token {i}: entropy {t.Entropy} vs {r.Entropy[i]}");
                Assert.True(Math.Abs(t.Surprisal - r.Surprisal[i]!.Value) <= 1e-3, $"{r.Name} token {i}: surprisal {t.Surprisal} vs {r.Surprisal[i]}");
                // Ranks can swap where two logits tie to float precision; allow a neighbour.
                Assert.True(Math.Abs(t.Rank - r.Rank[i]!.Value) <= 1, $"{r.Name} token {i}: rank {t.Rank} vs {r.Rank[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Logits_match_the_pytorch_reference(string model, string reference)
    {
        using var lm = Load(model);
        var checks = ScoreReference.Read(Path.Combine(TestPaths.RepoRoot, reference)).SelectMany(r => r.Logits.Select(l => (r.Ids, l.Position, l.Logits))).ToList();
        if (checks.Count == 0) return; // layouts whose fixture stores scores only
        var vocab = lm.VocabSize;
        foreach (var (ids, position, expected) in checks)
        {
            Assert.Equal(vocab, expected.Length);
            // The row that predicts token `position` is the output at position - 1.
            var logits = new float[position * vocab];
            using var cache = lm.Signature.HasCache ? new KeyValueCache(lm.Signature) : null;
            using var run = new RunOptions();
            lm.Forward(ids.AsSpan(0, position), 0, cache, logits, run);
            var row = logits.AsSpan((position - 1) * vocab, vocab);
            var worst = 0f;
            for (var v = 0; v < vocab; v++) worst = Math.Max(worst, Math.Abs(row[v] - expected[v]));
            Assert.True(worst <= 1e-4, $"position {position}: max |logit difference| {worst}");
        }
    }

    [Theory]
    [InlineData("models/tiny-chat")]
    [InlineData("models/tiny-base")]
    public void Bundled_models_vocabulary_agrees_with_their_tokenizer(string model)
    {
        using var lm = Load(model);
        Assert.Equal(lm.Tokenizer.VocabularySize, lm.VocabSize);
        Assert.Equal(lm.Directory.Config.VocabSize, lm.VocabSize);
        // Every id decodes, and the special tokens are where tokenizer_config.json says.
        Assert.Equal(0, lm.Tokenizer.SpecialTokens["<|endoftext|>"]);
        Assert.Equal(1, lm.Tokenizer.SpecialTokens["<|im_start|>"]);
        Assert.Equal(2, lm.Tokenizer.SpecialTokens["<|im_end|>"]);
        for (var id = 0; id < lm.VocabSize; id++) Assert.False(string.IsNullOrEmpty(lm.TokenText(id)), $"token {id} has no text");
    }

    [Fact]
    public void Each_layout_is_discovered_from_the_session()
    {
        using (var m = Load("tests/fixtures/models/optimum-nopast")) Assert.False(m.Signature.HasCache);
        using (var m = Load("tests/fixtures/models/merged")) { Assert.True(m.Signature.HasCache); Assert.Equal("use_cache_branch", m.Signature.UseCacheBranch); }
        using (var m = Load("tests/fixtures/models/fp16-kv")) Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16, m.Signature.CacheType);
        using (var m = Load("tests/fixtures/models/genai")) { Assert.NotNull(m.Directory.GenAi); Assert.StartsWith("past_key_", m.Signature.Layers[0].PastKey); }
        using (var m = Load("models/tiny-chat")) { Assert.True(m.Signature.HasCache); Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, m.Signature.CacheType); }
    }

    [Theory]
    [InlineData("tests/fixtures/models/optimum-nopast")]
    [InlineData("tests/fixtures/models/merged")]
    [InlineData("tests/fixtures/models/fp16-kv")]
    [InlineData("tests/fixtures/models/genai")]
    public async Task Incremental_scoring_equals_full_scoring_on_every_layout(string model)
    {
        using var lm = Load(model);
        using var scorer = new OnnxConversationScorer(lm);
        var transcript = ScoreReference.Read(Path.Combine(TestPaths.RepoRoot, model, "reference.json"))[0].Transcript;
        using var session = scorer.OpenSession();
        Enaction.Scoring.ScoredTranscript? last = null;
        for (var n = 1; n <= transcript.Count; n++) last = await session.ScoreAsync(transcript.Take(n));
        // A float16 cache rounds keys and values that a single full pass keeps in float32 within the pass, so
        // incremental and full agree only to float16 precision there (both still match PyTorch within 1e-3 above).
        var tolerance = lm.Signature.CacheType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 ? 1e-2f : 1e-4f;
        IncrementalScoringTests.AssertSameScores(await scorer.ScoreAsync(transcript), last!, tolerance);
    }

    [Fact]
    public void A_graph_that_is_not_a_decoder_is_rejected()
    {
        var e = Assert.Throws<ModelLoadException>(() => Load("tests/fixtures/models/not-a-decoder"));
        Assert.Contains("not a causal LM decoder", e.Message);
        Assert.Contains("model.onnx", e.Message);
    }

    [Fact]
    public void A_tokenizer_that_disagrees_with_the_logits_is_rejected_with_both_sizes()
    {
        // The fixture's logits have 364 entries for a 300-token tokenizer. That alone is how Hugging Face pads
        // embeddings (Phi-3, Qwen2), accepted when config.json declares the padded size; it is an error when the
        // config disagrees with the graph, and always when the tokenizer has ids the logits cannot score.
        var dir = TestPaths.NewTempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.Fixture("models", "vocab-mismatch")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        using (var padded = CausalLanguageModel.Load(dir, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }))
            Assert.Equal(364, padded.VocabSize);

        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"vocab_size\": 364", "\"vocab_size\": 300", StringComparison.Ordinal));
        var e = Assert.Throws<ModelLoadException>(() => CausalLanguageModel.Load(dir, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));
        Assert.Contains("the tokenizer has 300 tokens but the model's logits have 364 entries", e.Message);

        foreach (var name in new[] { "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json" })
            File.Copy(Path.Combine(TestPaths.Model("tiny-chat"), name), Path.Combine(dir, name), overwrite: true);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"vocab_size\": 300", "\"vocab_size\": 364", StringComparison.Ordinal));
        e = Assert.Throws<ModelLoadException>(() => CausalLanguageModel.Load(dir, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));
        Assert.Contains("the tokenizer has 2048 tokens but the model's logits have 364 entries", e.Message);
    }
}
