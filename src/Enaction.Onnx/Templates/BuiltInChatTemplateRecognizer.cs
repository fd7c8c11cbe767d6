using System.Text.RegularExpressions;

namespace Enaction.Onnx.Templates;

/// <summary>
/// The built-in recogniser: a template of the five known families (<see cref="ChatTemplateStyle"/>) without tools,
/// tool calls, reasoning blocks, a date preamble or a default system prompt is rendered natively (the fast path,
/// checked against the Jinja render); any other template text is rendered by its own Jinja. It answers for any
/// template text, so it is asked last.
/// </summary>
public sealed class BuiltInChatTemplateRecognizer : IChatTemplateRecognizer
{
    /// <summary>The one instance (it holds no state).</summary>
    public static BuiltInChatTemplateRecognizer Instance { get; } = new();

    private BuiltInChatTemplateRecognizer() { }

    /// <inheritdoc />
    /// <exception cref="Models.ModelLoadException">The Jinja engine cannot load or render the template.</exception>
    public IChatTemplate? Recognize(ChatTemplateSource source) => source?.Text is null ? null : Template(source);

    /// <summary>The built-in template for <paramref name="source"/>'s text (see the class remarks).</summary>
    internal static ChatTemplate Template(ChatTemplateSource source)
    {
        var text = source.Text ?? throw new ArgumentException("The source has no template text.", nameof(source));
        var style = Family(text);
        if (style is not null && UnsupportedFeature(text) is null)
            return new ChatTemplate(style.Value, source.BosToken, source.EosToken, text,
                skipEmptySystem: Regex.IsMatch(text, @"==\s*'system'\s+and\s+message\['content'\]"),
                systemSupported: style != ChatTemplateStyle.Gemma || text.Contains("first_user_prefix", StringComparison.Ordinal));
        return ChatTemplate.FromJinjaOnly(text, source.BosToken, source.EosToken, source.Path);
    }

    /// <summary>The family whose markers <paramref name="template"/> contains, or null.</summary>
    public static ChatTemplateStyle? Family(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Contains("<|im_start|>", StringComparison.Ordinal) && template.Contains("<|im_end|>", StringComparison.Ordinal))
            return ChatTemplateStyle.ChatML;
        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal) && template.Contains("<|eot_id|>", StringComparison.Ordinal))
            return ChatTemplateStyle.Llama3;
        if (template.Contains("<|user|>", StringComparison.Ordinal) && template.Contains("<|assistant|>", StringComparison.Ordinal)
            && template.Contains("<|system|>", StringComparison.Ordinal) && template.Contains("<|end|>", StringComparison.Ordinal))
            return ChatTemplateStyle.Phi3;
        if (template.Contains("<start_of_turn>", StringComparison.Ordinal) && template.Contains("<end_of_turn>", StringComparison.Ordinal))
            return ChatTemplateStyle.Gemma;
        if (template.Contains("[INST]", StringComparison.Ordinal) && template.Contains("<<SYS>>", StringComparison.Ordinal))
            return ChatTemplateStyle.Llama2;
        return null;
    }

    /// <summary>What in <paramref name="template"/> the native renderers do not reproduce, or null.</summary>
    private static string? UnsupportedFeature(string template)
    {
        if (Regex.IsMatch(template, @"\btools\b|tool_calls")) return "tool definitions or tool calls";
        if (template.Contains("Cutting Knowledge", StringComparison.Ordinal) || template.Contains("strftime_now", StringComparison.Ordinal)
            || template.Contains("date_string", StringComparison.Ordinal))
            return "a date preamble";
        if (template.Contains("reasoning_content", StringComparison.Ordinal) || template.Contains("<think>", StringComparison.Ordinal))
            return "reasoning blocks";
        if (Regex.IsMatch(template, @"messages\[0\]\[.role.\]\s*!=\s*.system.") && template.Contains("im_start|>system", StringComparison.Ordinal))
            return "a default system prompt";
        return null;
    }
}
