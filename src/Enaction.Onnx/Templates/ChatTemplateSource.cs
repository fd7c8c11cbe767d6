using Enaction.Onnx.Models;
using Enaction.Onnx.Tokenization;

namespace Enaction.Onnx.Templates;

/// <summary>A model folder's chat template as written, with the special tokens its tokenizer config names.</summary>
/// <param name="Text">The Jinja text, or null when the folder has none.</param>
/// <param name="BosToken">The config's <c>bos_token</c>.</param>
/// <param name="EosToken">The config's <c>eos_token</c>.</param>
/// <param name="Path">The file the text came from (for messages).</param>
public sealed record ChatTemplateSource(string? Text, string? BosToken, string? EosToken, string Path)
{
    /// <summary>
    /// Reads <paramref name="modelDirectory"/>'s template: <c>tokenizer_config.json</c> <c>chat_template</c>, else
    /// <c>chat_template.jinja</c> or <c>chat_template.json</c>; <see cref="Text"/> is null when none has one.
    /// </summary>
    public static ChatTemplateSource Read(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        var configPath = System.IO.Path.Combine(modelDirectory, TokenizerConfig.FileName);
        string? bos = null, eos = null, text = null, textPath = configPath;
        using (var config = ModelJson.TryLoad(configPath))
        {
            if (config is not null)
            {
                bos = ModelJson.TokenString(config.RootElement, "bos_token");
                eos = ModelJson.TokenString(config.RootElement, "eos_token");
                text = TokenizerConfig.ReadChatTemplate(config.RootElement);
            }
        }
        if (text is null)
        {
            var jinja = System.IO.Path.Combine(modelDirectory, "chat_template.jinja");
            var json = System.IO.Path.Combine(modelDirectory, "chat_template.json");
            if (File.Exists(jinja))
            {
                textPath = jinja;
                text = File.ReadAllText(jinja);
            }
            else if (File.Exists(json))
            {
                textPath = json;
                using var doc = ModelJson.Load(json);
                text = TokenizerConfig.ReadChatTemplate(doc.RootElement);
            }
        }
        return new ChatTemplateSource(text, bos, eos, textPath);
    }
}
