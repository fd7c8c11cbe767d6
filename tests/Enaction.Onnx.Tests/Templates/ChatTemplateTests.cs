using Enaction.Onnx.Models;
using Enaction.Onnx.Templates;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Templates;

public class ChatTemplateTests
{
    /// <summary>system, user (padded with spaces), assistant, tool, assistant (trailing newline).</summary>
    private static readonly Transcript FiveTurns = new(
    [
        TranscriptMessage.System("You are terse."),
        TranscriptMessage.User("  What is 2+2? "),
        TranscriptMessage.Assistant("4"),
        TranscriptMessage.Tool("{\"result\": 4}"),
        TranscriptMessage.Assistant("It is 4.\n"),
    ]);

    private static readonly Transcript OneUser = new([TranscriptMessage.User("Hi")]);

    private static ChatTemplate FromFixture(string name, string? bos = null, string? eos = null)
    {
        var path = TestPaths.Fixture("templates", name + ".jinja");
        return ChatTemplate.FromJinja(File.ReadAllText(path), bos, eos, path);
    }

    /// <summary>Every span's rendered text equals the slice of the original content it claims to be.</summary>
    private static void AssertSpansIndexContent(Transcript transcript, RenderedTranscript rendered)
    {
        var previousEnd = 0;
        foreach (var span in rendered.Spans)
        {
            Assert.True(span.Start >= previousEnd, $"span of message {span.Message} overlaps the previous one");
            Assert.Equal(
                transcript[span.Message].Content.Substring(span.ContentStart, span.Length),
                rendered.Text.Substring(span.Start, span.Length));
            previousEnd = span.End;
        }
    }

    [Theory]
    [InlineData("chatml", ChatTemplateStyle.ChatML)]
    [InlineData("llama3", ChatTemplateStyle.Llama3)]
    [InlineData("phi3", ChatTemplateStyle.Phi3)]
    [InlineData("gemma", ChatTemplateStyle.Gemma)]
    [InlineData("gemma2", ChatTemplateStyle.Gemma)]
    [InlineData("llama2", ChatTemplateStyle.Llama2)]
    public void Published_templates_are_recognised_by_their_markers(string fixture, ChatTemplateStyle expected)
    {
        Assert.Equal(expected, FromFixture(fixture).Style);
    }

    [Fact]
    public void Bundled_model_template_is_chatml()
    {
        var template = ChatTemplate.Load(TestPaths.Model("tiny-chat"));
        Assert.Equal(ChatTemplateStyle.ChatML, template.Style);
    }

    [Fact]
    public void ChatML_renders_every_role_byte_exact()
    {
        var rendered = FromFixture("chatml").Render(FiveTurns);
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n" +
            "<|im_start|>user\n  What is 2+2? <|im_end|>\n" +
            "<|im_start|>assistant\n4<|im_end|>\n" +
            "<|im_start|>tool\n{\"result\": 4}<|im_end|>\n" +
            "<|im_start|>assistant\nIt is 4.\n<|im_end|>\n",
            rendered.Text);
        Assert.Equal([0, 1, 2, 3, 4], rendered.Spans.Select(s => s.Message));
        Assert.All(rendered.Spans, s => Assert.Equal(0, s.ContentStart));
        Assert.Equal(rendered.Text.IndexOf("  What", StringComparison.Ordinal), rendered.Spans[1].Start);
        AssertSpansIndexContent(FiveTurns, rendered);
    }

    [Fact]
    public void Llama3_strips_content_and_spans_point_into_the_original_content()
    {
        var rendered = FromFixture("llama3", bos: "<|begin_of_text|>").Render(FiveTurns);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>" +
            "<|start_header_id|>tool<|end_header_id|>\n\n{\"result\": 4}<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 4.<|eot_id|>",
            rendered.Text);
        var user = rendered.Spans[1];
        Assert.Equal(new MessageSpan(1, rendered.Text.IndexOf("What", StringComparison.Ordinal), "What is 2+2?".Length, 2), user);
        Assert.Equal("It is 4.".Length, rendered.Spans[4].Length);
        AssertSpansIndexContent(FiveTurns, rendered);
    }

    [Fact]
    public void Phi3_drops_tool_messages_and_ends_with_eos_without_a_generation_prompt()
    {
        var rendered = FromFixture("phi3", eos: "<|endoftext|>").Render(FiveTurns);
        Assert.Equal(
            "<|system|>\nYou are terse.<|end|>\n<|user|>\n  What is 2+2? <|end|>\n<|assistant|>\n4<|end|>\n" +
            "<|assistant|>\nIt is 4.\n<|end|>\n<|endoftext|>",
            rendered.Text);
        Assert.Equal([0, 1, 2, 4], rendered.Spans.Select(s => s.Message));
        AssertSpansIndexContent(FiveTurns, rendered);
    }

    [Fact]
    public void Gemma_puts_the_system_text_at_the_start_of_the_first_user_turn()
    {
        var transcript = new Transcript(
        [
            TranscriptMessage.System("You are terse. "),
            TranscriptMessage.User("  What is 2+2? "),
            TranscriptMessage.Assistant("4"),
            TranscriptMessage.User("Thanks\n"),
        ]);
        var rendered = FromFixture("gemma", bos: "<bos>").Render(transcript);
        Assert.Equal(
            "<bos><start_of_turn>user\nYou are terse. \n\nWhat is 2+2?<end_of_turn>\n" +
            "<start_of_turn>model\n4<end_of_turn>\n<start_of_turn>user\nThanks<end_of_turn>\n",
            rendered.Text);
        Assert.Equal([0, 1, 2, 3], rendered.Spans.Select(s => s.Message));
        Assert.Equal("You are terse. ".Length, rendered.Spans[0].Length);
        Assert.Equal(2, rendered.Spans[1].ContentStart);
        AssertSpansIndexContent(transcript, rendered);
    }

    [Fact]
    public void Gemma_raises_where_its_template_does()
    {
        var gemma = FromFixture("gemma", bos: "<bos>");
        var toolAfterAssistant = new Transcript([TranscriptMessage.User("Hi"), TranscriptMessage.Assistant("4"), TranscriptMessage.Tool("x")]);
        var e = Assert.Throws<ArgumentException>(() => gemma.Render(toolAfterAssistant));
        Assert.Contains("Conversation roles must alternate", e.Message);

        var gemma2 = FromFixture("gemma2", bos: "<bos>");
        var withSystem = new Transcript([TranscriptMessage.System("S"), TranscriptMessage.User("Hi")]);
        Assert.Contains("System role not supported", Assert.Throws<ArgumentException>(() => gemma2.Render(withSystem)).Message);
        Assert.Equal(
            "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n",
            gemma2.Render(new Transcript([TranscriptMessage.User(" Hi "), TranscriptMessage.Assistant("4")])).Text);
    }

    [Fact]
    public void Llama2_wraps_the_system_block_into_the_first_instruction()
    {
        var transcript = new Transcript(
        [
            TranscriptMessage.System(" You are terse. "),
            TranscriptMessage.User("  What is 2+2? "),
            TranscriptMessage.Assistant(" 4 "),
            TranscriptMessage.User("Thanks"),
        ]);
        var rendered = FromFixture("llama2", bos: "<s>", eos: "</s>").Render(transcript);
        Assert.Equal("<s>[INST] <<SYS>>\n You are terse. \n<</SYS>>\n\n  What is 2+2? [/INST] 4 </s><s>[INST] Thanks [/INST]", rendered.Text);
        Assert.Equal(new MessageSpan(1, rendered.Text.IndexOf("  What", StringComparison.Ordinal), "  What is 2+2?".Length, 0), rendered.Spans[1]);
        Assert.Equal(1, rendered.Spans[2].ContentStart);
        AssertSpansIndexContent(transcript, rendered);
    }

    [Theory]
    [InlineData("chatml", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData("llama3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData("phi3", "<|user|>\nHi<|end|>\n<|assistant|>\n")]
    [InlineData("gemma", "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")]
    public void Generation_prompt_opens_an_assistant_turn(string style, string expected)
    {
        Assert.True(ChatTemplate.TryParseStyle(style, out var parsed));
        var rendered = ChatTemplate.Create(parsed).Render(OneUser, addGenerationPrompt: true);
        Assert.Equal(expected, rendered.Text);
        AssertSpansIndexContent(OneUser, rendered);
    }

    [Theory]
    [InlineData("chatml", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nSure, ")]
    [InlineData("llama3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nSure,")]
    [InlineData("phi3", "<|user|>\nHi<|end|>\n<|assistant|>\nSure, ")]
    [InlineData("gemma", "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nSure,")]
    [InlineData("llama2", "<s>[INST] Hi [/INST] Sure, ")] // the template's own ' ' after the content matches, as in HF
    public void Continuing_the_final_message_leaves_it_open(string style, string expected)
    {
        var prefill = OneUser.Append(TranscriptMessage.Assistant("Sure, "));
        Assert.True(ChatTemplate.TryParseStyle(style, out var parsed));
        var rendered = ChatTemplate.Create(parsed).Render(prefill, continueFinalMessage: true);
        Assert.Equal(expected, rendered.Text);
        Assert.Equal(1, rendered.Spans[^1].Message);
        Assert.True(rendered.Spans[^1].End <= rendered.Text.Length);
        Assert.StartsWith("Sure,", rendered.Text[rendered.Spans[^1].Start..]);
        AssertSpansIndexContent(prefill, rendered);
    }

    [Fact]
    public void Generation_prompt_and_continuation_together_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ChatTemplate.Create(ChatTemplateStyle.ChatML).Render(OneUser, true, true));
    }

    [Fact]
    public void Template_features_the_native_renderers_do_not_reproduce_go_to_the_jinja_renderer()
    {
        const string llama31 = "{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}" +
            "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}{{- \"Cutting Knowledge Date: December 2023\\n\" }}{{- \"Today Date: \" + date_string }}<|eot_id|>";
        var template = ChatTemplate.FromJinja(llama31, "<|begin_of_text|>");
        Assert.Equal(ChatTemplateStyle.Jinja, template.Style);
        Assert.True(template.WritesBos);
        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024<|eot_id|>",
            template.Render(OneUser).Text);
    }

    [Fact]
    public void Style_override_is_used_for_a_model_without_a_template()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<|end|>\"}}");

        var missing = Assert.Throws<ModelLoadException>(() => ChatTemplate.Load(dir));
        Assert.Contains("no chat_template", missing.Problem);
        Assert.Contains(ChatTemplate.SupportedStyles, missing.Problem);

        var phi = ChatTemplate.Load(dir, "PHI3");
        Assert.Equal(ChatTemplateStyle.Phi3, phi.Style);
        Assert.Equal("<|end|>", phi.EosToken);
        Assert.EndsWith("<|end|>", phi.Render(OneUser).Text);

        var unknown = Assert.Throws<ModelLoadException>(() => ChatTemplate.Load(dir, "vicuna"));
        Assert.Contains("vicuna", unknown.Problem);
    }

    [Fact]
    public void Template_is_read_from_chat_template_jinja_when_the_config_has_none()
    {
        var dir = TestPaths.NewTempDirectory();
        File.Copy(TestPaths.Fixture("templates", "llama3.jinja"), Path.Combine(dir, "chat_template.jinja"));
        Assert.Equal(ChatTemplateStyle.Llama3, ChatTemplate.Load(dir).Style);
    }

    [Fact]
    public void Malformed_tokenizer_config_reports_line_and_column()
    {
        var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\n  \"chat_template\": \"x\",\n  oops\n}");
        var e = Assert.Throws<ModelLoadException>(() => ChatTemplate.Load(dir));
        Assert.EndsWith("tokenizer_config.json", e.Path);
        Assert.Contains("line 3", e.Problem);
    }
}
