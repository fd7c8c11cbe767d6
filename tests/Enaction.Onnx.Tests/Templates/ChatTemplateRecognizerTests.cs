using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Templates;

/// <summary>Templates are open: a host recogniser decides a folder's template before the built-in one.</summary>
public class ChatTemplateRecognizerTests
{
    /// <summary>Zephyr's published template: no built-in native renderer knows it.</summary>
    private const string Zephyr =
        "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    /// <summary>A host's native Zephyr renderer.</summary>
    private sealed class ZephyrTemplate(string eos) : IChatTemplate
    {
        public string Name => "zephyr";
        public string? BosToken => null;
        public string? EosToken => eos;
        public bool WritesBos => false;

        public RenderedTranscript Render(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false)
        {
            var text = new StringBuilder();
            var spans = ImmutableArray.CreateBuilder<MessageSpan>();
            for (var i = 0; i < transcript.Count; i++)
            {
                text.Append("<|").Append(transcript[i].Role.ToName()).Append("|>\n");
                spans.Add(new MessageSpan(i, text.Length, transcript[i].Content.Length));
                text.Append(transcript[i].Content).Append(eos).Append('\n');
            }
            if (addGenerationPrompt) text.Append("<|assistant|>\n");
            return new RenderedTranscript(text.ToString(), spans.ToImmutable());
        }
    }

    private sealed class ZephyrRecognizer : IChatTemplateRecognizer
    {
        public IChatTemplate? Recognize(ChatTemplateSource source) =>
            source.Text == Zephyr ? new ZephyrTemplate(source.EosToken ?? "</s>") : null;
    }

    /// <summary>Hands the built-in template through, counting the renders the scorer asks of it.</summary>
    private sealed class CountingRecognizer : IChatTemplateRecognizer
    {
        public int Renders;

        public IChatTemplate? Recognize(ChatTemplateSource source) =>
            BuiltInChatTemplateRecognizer.Family(source.Text ?? "") == ChatTemplateStyle.ChatML ? new Counting(ChatTemplate.FromJinja(source.Text!, source.BosToken, source.EosToken), this) : null;

        private sealed class Counting(ChatTemplate inner, CountingRecognizer owner) : IChatTemplate
        {
            public string Name => "counting-" + inner.Name;
            public string? BosToken => inner.BosToken;
            public string? EosToken => inner.EosToken;
            public bool WritesBos => inner.WritesBos;

            public RenderedTranscript Render(Transcript transcript, bool addGenerationPrompt = false, bool continueFinalMessage = false)
            {
                Interlocked.Increment(ref owner.Renders);
                return inner.Render(transcript, addGenerationPrompt, continueFinalMessage);
            }
        }
    }

    private static readonly Transcript Conversation = new(
    [
        TranscriptMessage.System("You are terse."),
        TranscriptMessage.User("What is 2+2?"),
        TranscriptMessage.Assistant("4"),
    ]);

    private static string FolderWith(string template)
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
            JsonSerializer.Serialize(new Dictionary<string, string> { ["chat_template"] = template, ["eos_token"] = "</s>" }));
        return dir;
    }

    [Fact]
    public void A_host_recogniser_decides_a_template_the_built_in_one_renders_only_by_jinja()
    {
        var dir = FolderWith(Zephyr);

        var builtIn = Assert.IsType<ChatTemplate>(ChatTemplateResolver.Load(dir));
        var hosts = ChatTemplateResolver.Load(dir, recognizers: [new ZephyrRecognizer()]);

        Assert.Equal(ChatTemplateStyle.Jinja, builtIn.Style);
        Assert.Equal("zephyr", hosts.Name);
        // The host's native renderer reproduces the model's own Jinja byte for byte.
        Assert.Equal(builtIn.Render(Conversation, addGenerationPrompt: true).Text, hosts.Render(Conversation, addGenerationPrompt: true).Text);
    }

    [Fact]
    public void A_recogniser_that_does_not_know_the_template_leaves_it_to_the_built_in_one()
    {
        var template = ChatTemplateResolver.Load(TestPaths.Model("tiny-chat"), recognizers: [new ZephyrRecognizer()]);

        Assert.Equal(ChatTemplateStyle.ChatML, Assert.IsType<ChatTemplate>(template).Style);
    }

    [Fact]
    public void A_named_style_overrides_the_host_recognisers()
    {
        var template = ChatTemplateResolver.Load(FolderWith(Zephyr), "phi3", [new ZephyrRecognizer()]);

        Assert.Equal(ChatTemplateStyle.Phi3, Assert.IsType<ChatTemplate>(template).Style);
    }

    [Fact]
    public async Task The_scorer_renders_through_the_template_the_host_recogniser_chose()
    {
        var recognizer = new CountingRecognizer();
        var options = new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu };
        options.ChatTemplateRecognizers.Add(recognizer);
        using var hosted = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), options);
        using var builtIn = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        using var hostedScorer = new OnnxConversationScorer(hosted);
        using var builtInScorer = new OnnxConversationScorer(builtIn);

        var viaHost = await hostedScorer.ScoreAsync(Conversation);
        var viaBuiltIn = await builtInScorer.ScoreAsync(Conversation);

        Assert.Equal("counting-chatml", hosted.Encoder.Template.Name);
        Assert.True(recognizer.Renders > 0);
        Assert.Equal(viaBuiltIn.Tokens.Select(t => t.Id), viaHost.Tokens.Select(t => t.Id));
    }
}
