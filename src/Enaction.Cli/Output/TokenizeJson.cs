using System.Text.Json.Serialization;
using Enaction.Onnx.Tokenization;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>tokenize --json</c> schema: <c>{"tokenizer":"bpe","source":"...","count":N,"tokens":[{"id":..,"text":"..",
/// "start":..,"end":..}]}</c>; <c>start</c>/<c>end</c> are UTF-16 character offsets into the input (end exclusive),
/// <c>text</c> the token's own text (<c>&lt;0xE2&gt;</c> for a byte of a character split over tokens).
/// </summary>
public static class TokenizeJson
{
    /// <summary>The document.</summary>
    public sealed record TokenizeDocument(
        [property: JsonPropertyName("tokenizer")] string Tokenizer,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("count")] int Count,
        [property: JsonPropertyName("tokens")] IReadOnlyList<TokenSpan> Tokens);

    /// <summary>One token.</summary>
    public sealed record TokenSpan(
        [property: JsonPropertyName("id")] int Id,
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("start")] int Start,
        [property: JsonPropertyName("end")] int End);

    /// <summary>Writes the tokens as one JSON document.</summary>
    public static void Write(TextWriter output, TextTokenizer tokenizer, string input, IReadOnlyList<int> ids, IReadOnlyList<Range> offsets)
    {
        var tokens = new TokenSpan[ids.Count];
        for (var i = 0; i < ids.Count; i++)
            tokens[i] = new TokenSpan(ids[i], tokenizer.TokenText(ids[i]), offsets[i].Start.GetOffset(input.Length), offsets[i].End.GetOffset(input.Length));
        CliJson.Write(output, new TokenizeDocument(tokenizer.Kind, tokenizer.SourcePath, ids.Count, tokens));
    }
}
