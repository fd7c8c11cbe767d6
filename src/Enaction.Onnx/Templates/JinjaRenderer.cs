using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Enaction.Detection;
using Enaction.Onnx.Models;
using Enaction.Transcripts;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Enaction.Onnx.Templates;

/// <summary>
/// Renders a model's own Jinja <c>chat_template</c> (tool definitions, tool calls, reasoning blocks, anything the
/// native renderers do not reproduce) with OnnxRuntimeGenAI's Jinja engine
/// (<c>Tokenizer.ApplyChatTemplate</c>), then locates each message's content in the rendered text so token offsets
/// still point into the messages. OnnxRuntimeGenAI needs a tokenizer folder to render; the template never reads the
/// vocabulary, so a small folder with a stub vocabulary and the template's special tokens is written once per
/// distinct template (the model's own tokenizer.json may be large, or use regexes OnnxRuntimeGenAI rejects).
/// </summary>
internal sealed class JinjaRenderer
{
    private static readonly ConcurrentDictionary<(string, string?, string?), Lazy<JinjaRenderer>> Cache = new();

    private readonly Tokenizer _tokenizer;
    private readonly string _template;
    private readonly Lock _gate = new();

    private JinjaRenderer(string template, Tokenizer tokenizer)
    {
        _template = template;
        _tokenizer = tokenizer;
    }

    /// <summary>The renderer of <paramref name="template"/> (shared per template text and special tokens).</summary>
    public static JinjaRenderer For(string template, string? bosToken, string? eosToken, string path) =>
        Cache.GetOrAdd((template, bosToken, eosToken), key => new Lazy<JinjaRenderer>(() => Create(key.Item1, key.Item2, key.Item3, path))).Value;

    private static JinjaRenderer Create(string template, string? bos, string? eos, string path)
    {
        var folder = Path.Combine(Path.GetTempPath(), "enaction-jinja", Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = File.Create(Path.Combine(folder, "tokenizer_config.json")))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("chat_template", template);
                if (bos is not null) writer.WriteString("bos_token", bos);
                if (eos is not null) writer.WriteString("eos_token", eos);
                writer.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
                writer.WriteEndObject();
            }
            File.WriteAllText(Path.Combine(folder, "tokenizer.json"), StubTokenizerJson);
            File.WriteAllText(Path.Combine(folder, "genai_config.json"), StubGenAiConfig);
            return new JinjaRenderer(WithHuggingFaceBlockTrimming(template), new Tokenizer(folder));
        }
        catch (Exception e) when (e is OnnxRuntimeGenAIException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            throw new ModelLoadException(path, $"the chat template cannot be loaded by the Jinja renderer (OnnxRuntimeGenAI): {FirstLine(e.Message)}", e);
        }
        finally
        {
            // OnnxRuntimeGenAI has read the folder; nothing in it is needed after the constructor.
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Renders the messages and tools; throws <see cref="ArgumentException"/> where the template raises.</summary>
    public string Render(IReadOnlyList<(MessageRole Role, string Content, IReadOnlyList<ToolCall>? Calls)> messages,
        IReadOnlyList<ToolDefinition>? tools, bool addGenerationPrompt)
    {
        var messagesJson = MessagesJson(messages);
        var toolsJson = tools is { Count: > 0 } ? ToolsJson(tools) : "";
        try
        {
            lock (_gate) return _tokenizer.ApplyChatTemplate(_template, messagesJson, toolsJson, addGenerationPrompt);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new ArgumentException($"the chat template raised: {FirstLine(e.Message)}", nameof(messages), e);
        }
    }

    /// <summary>
    /// Renders <paramref name="transcript"/> and locates each message's content. Each content is first replaced by a
    /// unique placeholder to learn where the template puts it; when the real render is that layout with the contents
    /// (or their stripped forms) in the placeholders' places, every span is exact. Templates that inspect content
    /// (Qwen 3 splits reasoning at <c>&lt;/think&gt;</c>) can render differently; then each content is searched for
    /// in order. A message whose content cannot be found and carries a turn marker is an error: its text could not
    /// be kept from the control tokens.
    /// </summary>
    public RenderedTranscript Render(Transcript transcript, bool addGenerationPrompt)
    {
        var contents = new string[transcript.Count];
        var real = new List<(MessageRole, string, IReadOnlyList<ToolCall>?)>(transcript.Count);
        var placeheld = new List<(MessageRole, string, IReadOnlyList<ToolCall>?)>(transcript.Count);
        var placeholders = new string[transcript.Count];
        for (var i = 0; i < transcript.Count; i++)
        {
            var m = transcript[i];
            contents[i] = m.Role == MessageRole.Assistant ? m.TextWithoutToolCalls : m.Content;
            var calls = m.Role == MessageRole.Assistant ? m.ToolCalls : null;
            // Empty content has nothing to locate, and templates test it for truth: it stays empty.
            placeholders[i] = contents[i].Length == 0 ? "" : "\uE000" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\uE001";
            real.Add((m.Role, contents[i], calls));
            placeheld.Add((m.Role, placeholders[i], calls));
        }
        var text = Render(real, transcript.Tools, addGenerationPrompt);
        ImmutableArray<MessageSpan> spans;
        try
        {
            spans = ContentLocator.ByLayout(text, Render(placeheld, transcript.Tools, addGenerationPrompt), placeholders, contents)
                ?? ContentLocator.InOrder(text, contents);
        }
        catch (ArgumentException)
        {
            spans = ContentLocator.InOrder(text, contents); // the placeholders made the template raise
        }
        var located = new bool[contents.Length];
        foreach (var s in spans) located[s.Message] = true;
        for (var i = 0; i < contents.Length; i++)
        {
            if (located[i] || contents[i].Length == 0) continue;
            foreach (var marker in RoleMarkers.All)
                if (contents[i].Contains(marker, StringComparison.Ordinal))
                    throw new ArgumentException($"message {i} ({transcript[i].Role.ToName()}) carries the turn marker \"{marker}\" and its content could not be located in the rendered template, so it cannot be encoded as plain text", nameof(transcript));
        }
        return new RenderedTranscript(text, spans);
    }

    /// <summary>
    /// The template with Hugging Face's Jinja settings applied to its text: <c>trim_blocks</c> (the first newline
    /// after a block or comment tag is dropped) and <c>lstrip_blocks</c> (spaces and tabs before a block or comment tag
    /// at the start of a line are dropped). OnnxRuntimeGenAI's engine applies neither; removing that literal text
    /// beforehand renders the same. <c>{%+</c> and <c>+%}</c> opt out, as in Jinja.
    /// </summary>
    internal static string WithHuggingFaceBlockTrimming(string template)
    {
        var output = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            if (i + 1 < template.Length && template[i] == '{' && template[i + 1] is '%' or '#')
            {
                var close = template[i + 1] == '%' ? "%}" : "#}";
                var end = template.IndexOf(close, i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    output.Append(template, i, template.Length - i);
                    break;
                }
                if (!(i + 2 < template.Length && template[i + 2] == '+'))
                {
                    var line = output.Length;
                    while (line > 0 && output[line - 1] is ' ' or '\t') line--;
                    if (line == 0 || output[line - 1] == '\n') output.Length = line;
                }
                output.Append(template, i, end + 2 - i);
                var keepNewline = template[end - 1] == '+';
                i = end + 2;
                if (!keepNewline)
                {
                    if (i < template.Length && template[i] == '\n') i++;
                    else if (i + 1 < template.Length && template[i] == '\r' && template[i + 1] == '\n') i += 2;
                }
            }
            else if (i + 1 < template.Length && template[i] == '{' && template[i + 1] == '{')
            {
                // Expressions are copied whole: their strings may hold "{%" or a newline that is not template text.
                var end = template.IndexOf("}}", i + 2, StringComparison.Ordinal);
                var stop = end < 0 ? template.Length : end + 2;
                output.Append(template, i, stop - i);
                i = stop;
            }
            else output.Append(template[i++]);
        }
        return output.ToString();
    }

    private static string MessagesJson(IReadOnlyList<(MessageRole Role, string Content, IReadOnlyList<ToolCall>? Calls)> messages)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (role, content, calls) in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", role.ToName());
                writer.WriteString("content", content);
                if (calls is { Count: > 0 })
                {
                    writer.WritePropertyName("tool_calls");
                    TranscriptJson.WriteToolCalls(writer, calls);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string ToolsJson(IReadOnlyList<ToolDefinition> tools)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) TranscriptJson.WriteTools(writer, tools);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string FirstLine(string message)
    {
        var cut = message.IndexOf('\n');
        return (cut < 0 ? message : message[..cut]).Trim();
    }

    /// <summary>A byte-level BPE tokenizer.json with a two-entry vocabulary: enough for OnnxRuntimeGenAI to load.</summary>
    private const string StubTokenizerJson = """
        {"version":"1.0","added_tokens":[],"normalizer":null,
         "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
         "post_processor":null,"decoder":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
         "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,
                  "fuse_unk":false,"byte_fallback":false,"vocab":{"a":0,"b":1},"merges":[]}}
        """;

    /// <summary>The smallest genai_config.json OnnxRuntimeGenAI reads before it builds a tokenizer (no model is loaded).</summary>
    private const string StubGenAiConfig = """
        {"model":{"type":"llama","vocab_size":2,"context_length":4096,"bos_token_id":0,"eos_token_id":1,"pad_token_id":0,
                  "decoder":{"filename":"model.onnx","head_size":8,"hidden_size":8,"num_attention_heads":1,"num_hidden_layers":1,"num_key_value_heads":1}},
         "search":{"max_length":16}}
        """;
}
