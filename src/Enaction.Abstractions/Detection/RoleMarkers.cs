using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;

namespace Enaction.Detection;

/// <summary>
/// The turn and role markers of the chat-template families the project knows. Any of them inside a user, system or
/// tool message is an attempt to open a turn the model did not take (role smuggling): the scorer encodes it as plain
/// text, and <c>RoleSmugglingDetector</c> reports it.
/// </summary>
public static class RoleMarkers
{
    /// <summary>Markers by family, exactly as the templates write them (case matters: tokenizers match them exactly).</summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ByFamily { get; } = new Dictionary<string, ImmutableArray<string>>
    {
        ["chatml"] = ["<|im_start|>", "<|im_end|>", "<|im_sep|>"],
        ["llama3"] = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|end_of_text|>"],
        ["llama2"] = ["[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"],
        ["mistral"] = ["[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"],
        ["phi3"] = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"],
        ["gemma"] = ["<start_of_turn>", "<end_of_turn>"],
        ["qwen3"] = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"],
        ["deepseek"] = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜tool▁calls▁begin｜>", "<｜tool▁outputs▁begin｜>"],
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>Every marker of every family.</summary>
    public static ImmutableArray<string> All { get; } = [.. ByFamily.Values.SelectMany(m => m).Distinct(StringComparer.Ordinal)];

    /// <summary>The family a marker belongs to, or "model" for one the scoring model declares itself.</summary>
    public static string FamilyOf(string marker)
    {
        foreach (var (family, markers) in ByFamily)
            if (markers.Contains(marker)) return family;
        return "model";
    }

    /// <summary>A matcher for <paramref name="markers"/>: longest first, so a marker that contains another wins.</summary>
    public static Regex Matcher(IEnumerable<string> markers)
    {
        var alternatives = markers.Where(m => m.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(m => m.Length).ThenBy(m => m, StringComparer.Ordinal).Select(Regex.Escape).ToArray();
        return alternatives.Length == 0
            ? new Regex("(?!)", RegexOptions.CultureInvariant)
            : new Regex(string.Join("|", alternatives), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// <paramref name="text"/> with every match of <paramref name="matcher"/> removed, repeatedly, so removing one
    /// marker cannot join its neighbours into a new one (<c>&lt;|im_&lt;|im_end|&gt;end|&gt;</c>).
    /// </summary>
    public static string Remove(string text, Regex matcher)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matcher);
        var current = text;
        while (matcher.IsMatch(current)) current = matcher.Replace(current, "");
        return current;
    }

    /// <summary>The distinct markers among <paramref name="matches"/>, in order of first appearance, space-separated.</summary>
    public static string Describe(IEnumerable<Match> matches)
    {
        var seen = new List<string>();
        foreach (var m in matches)
            if (!seen.Contains(m.Value)) seen.Add(m.Value);
        var text = new StringBuilder();
        foreach (var s in seen) text.Append(text.Length > 0 ? " " : "").Append(s);
        return text.ToString();
    }
}
