using Enaction.Onnx.Tokenization;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>tokenize --json</c> schema: <c>{"tokenizer":"bpe","source":"...","count":N,"tokens":[{"id":..,"text":"..",
/// "start":..,"end":..}]}</c>; <c>start</c>/<c>end</c> are UTF-16 character offsets into the input (end exclusive),
/// <c>text</c> the token's own text (<c>&lt;0xE2&gt;</c> for a byte of a character split over tokens).
/// </summary>
public static class TokenizeJson
{
    /// <summary>Writes the tokens as one JSON document.</summary>
    public static void Write(TextWriter output, TextTokenizer tokenizer, string input, IReadOnlyList<int> ids, IReadOnlyList<Range> offsets)
    {
        CliJson.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("tokenizer", tokenizer.Kind);
            writer.WriteString("source", tokenizer.SourcePath);
            writer.WriteNumber("count", ids.Count);
            writer.WriteStartArray("tokens");
            for (var i = 0; i < ids.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", ids[i]);
                writer.WriteString("text", tokenizer.TokenText(ids[i]));
                writer.WriteNumber("start", offsets[i].Start.GetOffset(input.Length));
                writer.WriteNumber("end", offsets[i].End.GetOffset(input.Length));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
