using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Support;

/// <summary>The generated model is a valid decoder-with-past directory whose outputs depend on its cache.</summary>
public sealed class RandomDecoderTests : IDisposable
{
    private const int Vocab = 1_000;
    private readonly string _directory = TestPaths.NewTempDirectory();

    public RandomDecoderTests() => RandomDecoder.Write(_directory, Vocab, hidden: 8, seed: 1);

    [Fact]
    public void A_generated_directory_loads_as_a_decoder_with_past_of_the_requested_vocabulary()
    {
        using var model = CausalLanguageModel.Load(_directory, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        Assert.True(model.Signature.HasCache);
        Assert.Single(model.Signature.Layers);
        Assert.Equal(1, model.Signature.KeyValueHeads);
        Assert.Equal(RandomDecoder.HeadDim, model.Signature.HeadDim);
        Assert.Equal("attention_mask", model.Signature.AttentionMask);
        Assert.Equal("position_ids", model.Signature.PositionIds);
        Assert.Equal(Vocab, model.VocabSize);
        Assert.Equal(Vocab, model.Tokenizer.VocabularySize);
        Assert.Equal(ChatTemplateStyle.ChatML, Assert.IsType<ChatTemplate>(model.Encoder.Template).Style);
        Assert.Equal(8192, model.ContextLength);
        Assert.Equal([Vocab - 2], model.Tokenizer.Encode(RandomDecoder.ImStart));
        Assert.Equal([Vocab - 1], model.Tokenizer.Encode(RandomDecoder.ImEnd));
    }

    [Fact]
    public async Task The_same_tokens_score_differently_after_a_different_history()
    {
        // The chunking test compares runs split at different points; that is only meaningful when the cache matters.
        using var model = CausalLanguageModel.Load(_directory, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        using var scorer = new OnnxConversationScorer(model);
        var last = TranscriptMessage.User("the same closing words");
        var first = await scorer.ScoreAsync(new Transcript([TranscriptMessage.User("one history"), last]));
        var second = await scorer.ScoreAsync(new Transcript([TranscriptMessage.User("quite another history here"), last]));
        var a = first.Tokens[first.TokensOf(1)];
        var b = second.Tokens[second.TokensOf(1)];
        Assert.Equal(a.Length, b.Length);
        Assert.Contains(Enumerable.Range(0, a.Length), i => Math.Abs(a[i].Surprisal - b[i].Surprisal) > 1e-3f);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
