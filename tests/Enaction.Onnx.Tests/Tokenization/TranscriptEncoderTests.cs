using Enaction.Onnx.Templates;
using Enaction.Onnx.Tokenization;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Tokenization;

public class TranscriptEncoderTests
{
    private static readonly Lazy<FixtureReference> Reference = new(() => FixtureReference.Read(TestPaths.Fixture("reference", "tiny-chat.json")));

    private static readonly Lazy<TranscriptEncoder> TinyChat = new(() =>
        new TranscriptEncoder(TextTokenizer.Load(TestPaths.Model("tiny-chat")), ChatTemplate.Load(TestPaths.Model("tiny-chat"))));

    [Fact]
    public void Rendered_transcripts_tokenize_to_python_ids()
    {
        var reference = Reference.Value;
        Assert.NotEmpty(reference.Transcripts);
        foreach (var (name, transcript, text, ids) in reference.Transcripts)
        {
            var encoded = TinyChat.Value.Encode(transcript);
            Assert.Equal(text, encoded.Text);
            Assert.True(ids.SequenceEqual(encoded.Ids), $"{name}: ids differ from the Python reference");
            Assert.Equal(ids.Length, encoded.Count);
        }
    }

    [Fact]
    public void Tokens_map_to_the_message_content_they_spell()
    {
        var encoder = TinyChat.Value;
        foreach (var (name, transcript, _, _) in Reference.Value.Transcripts)
        {
            var encoded = encoder.Encode(transcript);
            var rebuilt = new string[transcript.Count];
            var covered = new int[transcript.Count];
            for (var i = 0; i < encoded.Count; i++)
            {
                var m = encoded.Message[i];
                if (m < 0)
                {
                    Assert.Equal(-1, encoded.Start[i]);
                    Assert.Equal(-1, encoded.End[i]);
                    continue;
                }
                var content = transcript[m].Content;
                Assert.InRange(encoded.Start[i], 0, content.Length);
                Assert.InRange(encoded.End[i], encoded.Start[i], content.Length);
                var text = encoder.Tokenizer.TokenText(encoded.Ids[i]);
                if (!text.StartsWith("<0x", StringComparison.Ordinal))
                    Assert.Equal(text, content[encoded.Start[i]..encoded.End[i]]);
                // Byte tokens of one character share its range: count each character once.
                Assert.True(encoded.Start[i] <= covered[m], $"{name}: token {i} skips content");
                if (encoded.End[i] > covered[m]) rebuilt[m] += content[covered[m]..encoded.End[i]];
                covered[m] = Math.Max(covered[m], encoded.End[i]);
            }
            for (var m = 0; m < transcript.Count; m++)
                Assert.True(transcript[m].Content == (rebuilt[m] ?? ""), $"{name}: message {m} is not covered by its tokens");
        }
    }

    [Fact]
    public void Markers_and_role_names_are_scaffolding()
    {
        var encoder = TinyChat.Value;
        var transcript = new Transcript([TranscriptMessage.User("Hi there"), TranscriptMessage.Assistant("Hello.")]);
        var encoded = encoder.Encode(transcript);
        Assert.Equal(encoder.Tokenizer.SpecialTokens["<|im_start|>"], encoded.Ids[0]);
        Assert.Equal(-1, encoded.Message[0]);
        Assert.Equal(-1, encoded.Message[1]); // "user"
        var firstContent = Array.FindIndex(encoded.Message, m => m == 0);
        Assert.Equal(0, encoded.Start[firstContent]);
        Assert.Equal(-1, encoded.Message[^1]); // the final "\n"
        Assert.Equal(encoder.Tokenizer.SpecialTokens["<|im_end|>"], encoded.Ids[^2]);
    }

    [Fact]
    public void Generation_prompt_and_prefill_end_as_the_template_says()
    {
        var encoder = TinyChat.Value;
        var tokenizer = encoder.Tokenizer;
        var user = new Transcript([TranscriptMessage.User("Hi")]);
        var prompt = encoder.Encode(user, addGenerationPrompt: true);
        Assert.EndsWith("<|im_start|>assistant\n", prompt.Text);
        Assert.Equal(tokenizer.Encode(prompt.Text), prompt.Ids);

        var prefill = encoder.Encode(user.Append(TranscriptMessage.Assistant("The answer")), continueFinalMessage: true);
        Assert.EndsWith("assistant\nThe answer", prefill.Text);
        Assert.Equal(1, prefill.Message[^1]);
        Assert.Equal("The answer".Length, prefill.End[^1]);
    }

    [Fact]
    public void Bos_is_prepended_when_the_config_asks_and_the_template_does_not_write_it()
    {
        var dir = TestPaths.NewTempDirectory();
        File.Copy(Path.Combine(TestPaths.Model("tiny-chat"), "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
            "{\"bos_token\": \"<|endoftext|>\", \"add_bos_token\": true, \"chat_template\": \"<|im_start|><|im_end|>\"}");
        var tokenizer = TextTokenizer.Load(dir);
        var transcript = new Transcript([TranscriptMessage.User("Hi")]);

        var withBos = new TranscriptEncoder(tokenizer, ChatTemplate.Load(dir)).Encode(transcript);
        Assert.Equal(0, withBos.Ids[0]);
        Assert.Equal(-1, withBos.Message[0]);
        Assert.Equal(tokenizer.Encode(withBos.Text), withBos.Ids[1..]);

        var likeHf = new TranscriptEncoder(tokenizer, ChatTemplate.Load(dir), addBos: false).Encode(transcript);
        Assert.Equal(withBos.Ids[1..], likeHf.Ids);

        var llama3 = new TranscriptEncoder(tokenizer, ChatTemplate.Create(ChatTemplateStyle.Llama3, bosToken: "<|endoftext|>")).Encode(transcript);
        Assert.Equal(1, llama3.Ids.Count(id => id == 0)); // the template writes BOS itself
    }
}
