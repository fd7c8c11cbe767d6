using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Enaction.Cli.Output;

/// <summary>Writes one JSON document per command to standard output, compact and with readable (unescaped) text.</summary>
public static class CliJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the document with <paramref name="body"/> and writes it as one line.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
            body(writer);
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }
}
