using System.Globalization;
using System.Text.Json;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// What <c>tokenizer_config.json</c>, <c>generation_config.json</c> and <c>config.json</c> say about special tokens
/// and the chat template. Every field is optional, as in Hugging Face model folders.
/// </summary>
internal sealed class TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    public string? BosToken { get; private init; }
    public string? EosToken { get; private init; }
    public bool? AddBosToken { get; private init; }
    public string? TokenizerClass { get; private init; }
    public string? ChatTemplate { get; private init; }
    /// <summary><c>added_tokens_decoder</c>, in file order.</summary>
    public List<AddedToken> AddedTokens { get; } = [];
    /// <summary>Ids from <c>generation_config.json</c> (or <c>config.json</c>) <c>eos_token_id</c>, scalar or list.</summary>
    public List<int> GenerationEosIds { get; } = [];
    public int? GenerationBosId { get; private set; }
    /// <summary>A split regex named in the config (<c>pattern</c>, or tiktoken's <c>pat_str</c>), for rank files that carry none.</summary>
    public string? PatternOverride { get; private init; }

    /// <summary>A copy with BOS/EOS filled in where the files named none (SentencePiece models carry their own).</summary>
    public TokenizerConfig WithDefaults(string? bosToken, string? eosToken)
    {
        var copy = new TokenizerConfig
        {
            BosToken = BosToken ?? bosToken,
            EosToken = EosToken ?? eosToken,
            AddBosToken = AddBosToken,
            TokenizerClass = TokenizerClass,
            ChatTemplate = ChatTemplate,
            GenerationBosId = GenerationBosId,
            PatternOverride = PatternOverride,
        };
        copy.AddedTokens.AddRange(AddedTokens);
        copy.GenerationEosIds.AddRange(GenerationEosIds);
        return copy;
    }

    public static TokenizerConfig Load(string directory)
    {
        TokenizerConfig config;
        using (var doc = ModelJson.TryLoad(Path.Combine(directory, FileName)))
        {
            config = doc is null ? new TokenizerConfig() : FromJson(doc.RootElement);
        }
        foreach (var name in (string[])["generation_config.json", "config.json"])
        {
            using var doc = ModelJson.TryLoad(Path.Combine(directory, name));
            if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) continue;
            if (config.GenerationEosIds.Count == 0 && doc.RootElement.TryGetProperty("eos_token_id", out var eos))
            {
                if (eos.ValueKind == JsonValueKind.Number && eos.TryGetInt32(out var one)) config.GenerationEosIds.Add(one);
                else if (eos.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in eos.EnumerateArray())
                        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id)) config.GenerationEosIds.Add(id);
                }
            }
            if (config.GenerationBosId is null && doc.RootElement.TryGetProperty("bos_token_id", out var bos)
                && bos.ValueKind == JsonValueKind.Number && bos.TryGetInt32(out var bosId))
                config.GenerationBosId = bosId;
        }
        return config;
    }

    private static TokenizerConfig FromJson(JsonElement root)
    {
        var config = new TokenizerConfig
        {
            BosToken = ModelJson.TokenString(root, "bos_token"),
            EosToken = ModelJson.TokenString(root, "eos_token"),
            AddBosToken = ModelJson.Bool(root, "add_bos_token"),
            TokenizerClass = ModelJson.String(root, "tokenizer_class"),
            ChatTemplate = ReadChatTemplate(root),
            PatternOverride = ModelJson.String(root, "pattern") ?? ModelJson.String(root, "pat_str"),
        };
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("added_tokens_decoder", out var added)
            && added.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in added.EnumerateObject())
            {
                if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
                if (ModelJson.String(p.Value, "content") is { } content)
                    config.AddedTokens.Add(new AddedToken(content, id, ModelJson.Bool(p.Value, "lstrip") == true, ModelJson.Bool(p.Value, "rstrip") == true,
                        ModelJson.Bool(p.Value, "special") ?? true));
            }
        }
        return config;
    }

    /// <summary><c>chat_template</c> is a string, or a list of <c>{name, template}</c> of which "default" is the chat one.</summary>
    internal static string? ReadChatTemplate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("chat_template", out var t)) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        if (t.ValueKind != JsonValueKind.Array) return null;
        string? first = null;
        foreach (var item in t.EnumerateArray())
        {
            var template = ModelJson.String(item, "template");
            if (template is null) continue;
            if (ModelJson.String(item, "name") == "default") return template;
            first ??= template;
        }
        return first;
    }
}
