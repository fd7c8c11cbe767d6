using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Enaction.Cli.Output;

/// <summary>
/// Writes one JSON document per command to standard output, compact and with readable (unescaped) text, through
/// the source-generated <see cref="CliJsonContext"/>: each command's document is a record (<c>*Json.Document</c>).
/// </summary>
public static class CliJson
{
    private static readonly JsonSerializerOptions Options = new(CliJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="document"/> as one line.</summary>
    public static void Write<T>(TextWriter output, T document)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(JsonSerializer.Serialize(document, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T))));
    }

    /// <summary><paramref name="value"/> rounded to <paramref name="digits"/> decimals, or null where it does not exist (JSON has no NaN).</summary>
    public static double? Number(double? value, int digits = 6) =>
        value is { } v && double.IsFinite(v) ? Math.Round(v, digits) : null;
}
