namespace Enaction.Onnx.Templates;

/// <summary>The chat template families <see cref="ChatTemplate"/> renders natively.</summary>
public enum ChatTemplateStyle
{
    /// <summary><c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> (Qwen, the bundled tiny-chat model, many fine-tunes).</summary>
    ChatML,
    /// <summary>Llama 3 (3.0): <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n</c> + stripped content + <c>&lt;|eot_id|&gt;</c>.</summary>
    Llama3,
    /// <summary>Phi-3: <c>&lt;|user|&gt;\ncontent&lt;|end|&gt;\n</c>, with <c>&lt;|system|&gt;</c>; EOS closes a transcript without a generation prompt.</summary>
    Phi3,
    /// <summary>Gemma: <c>&lt;start_of_turn&gt;user\ncontent&lt;end_of_turn&gt;\n</c>, <c>model</c> for the assistant, system text leading the first user turn.</summary>
    Gemma,
    /// <summary>Llama 2 chat: <c>[INST] ... [/INST]</c> with a <c>&lt;&lt;SYS&gt;&gt;</c> block in the first user turn.</summary>
    Llama2,
    /// <summary>
    /// Any other template, or one with tools, tool calls, reasoning blocks or a date preamble: the model's own Jinja
    /// is rendered (OnnxRuntimeGenAI's engine) and each message's content located in the result.
    /// </summary>
    Jinja,
}
