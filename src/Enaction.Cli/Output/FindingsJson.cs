using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Enaction.Detection;
using Enaction.Scoring;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>detect --json</c> schema: <c>{"model":"...","calibration":"path"|null,"scoring":[{"message":N,"generator":"...",
/// "source":"same-model|generator-logprobs|served-logprobs|surrogate"}],"findings":[{"kind":"..",
/// "severity":"low|medium|high","score":..,"threshold":..,"message":..,"start":..,"end":..,"detail":{...,"source":".."}}],
/// "judged_by_ledger_alone":[{"message":..,"tokens":..}]}</c>; <c>scoring</c> lists every assistant message, the last
/// lists assistant turns too short for a signature, which only a ledger could judge (detect has none).
/// </summary>
public static class FindingsJson
{
    /// <summary>Writes the findings as one JSON document.</summary>
    public static void Write(TextWriter output, string model, string? calibration, IReadOnlyList<Finding> findings, IReadOnlyList<MessageScoring> scoring, IReadOnlyList<ShortTurn>? ledgerAlone = null)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        CliJson.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            if (calibration is null) writer.WriteNull("calibration");
            else writer.WriteString("calibration", calibration);
            writer.WriteStartArray("scoring");
            foreach (var s in scoring)
            {
                writer.WriteStartObject();
                writer.WriteNumber("message", s.Message);
                writer.WriteString("generator", s.Generator);
                writer.WriteString("source", s.Source.ToName());
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartArray("findings");
            foreach (var f in findings)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", f.Kind);
                writer.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
                WriteNumber(writer, "score", f.Score);
                WriteNumber(writer, "threshold", f.Threshold);
                writer.WriteNumber("message", f.Message);
                writer.WriteNumber("start", f.Start);
                writer.WriteNumber("end", f.End);
                writer.WriteStartObject("detail");
                foreach (var (key, value) in f.Detail.OrderBy(p => p.Key, StringComparer.Ordinal))
                    WriteValue(writer, key, value);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartArray("judged_by_ledger_alone");
            foreach (var turn in ledgerAlone ?? [])
            {
                writer.WriteStartObject();
                writer.WriteNumber("message", turn.Message);
                writer.WriteNumber("tokens", turn.Tokens);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        // JSON has no NaN or infinity; a finding without a statistic has null.
        if (double.IsFinite(value)) writer.WriteNumber(name, Math.Round(value, 6));
        else writer.WriteNull(name);
    }

    private static void WriteValue(Utf8JsonWriter writer, string name, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNull(name); break;
            case string s: writer.WriteString(name, s); break;
            case bool b: writer.WriteBoolean(name, b); break;
            case int i: writer.WriteNumber(name, i); break;
            case long l: writer.WriteNumber(name, l); break;
            case double d: WriteNumber(writer, name, d); break;
            case float f: WriteNumber(writer, name, f); break;
            case IFormattable x: writer.WriteString(name, x.ToString(null, CultureInfo.InvariantCulture)); break;
            default: writer.WriteString(name, value.ToString()); break;
        }
    }
}
