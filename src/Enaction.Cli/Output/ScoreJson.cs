using System.Text.Json;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>score --json</c> schema: <c>{"model":"...","tokens":[{"id":..,"text":"..","message":..,"role":"..",
/// "start":..,"end":..,"entropy":..,"surprisal":..,"rank":..}]}</c>. Numbers are nats; token 0 has null statistics;
/// template scaffolding has null message, role, start and end.
/// </summary>
public static class ScoreJson
{
    /// <summary>Writes <paramref name="scored"/> to <paramref name="output"/> as one JSON document.</summary>
    public static void Write(TextWriter output, ScoredTranscript scored)
    {
        CliJson.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("model", scored.ModelId);
            writer.WritePropertyName("tokens");
            WriteTokens(writer, scored);
            writer.WriteEndObject();
        });
    }

    /// <summary>Writes the token array (shared with other commands' JSON).</summary>
    public static void WriteTokens(Utf8JsonWriter writer, ScoredTranscript scored)
    {
        writer.WriteStartArray();
        foreach (var t in scored.Tokens)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", t.Id);
            writer.WriteString("text", t.Text);
            if (t.IsScaffolding)
            {
                writer.WriteNull("message");
                writer.WriteNull("role");
                writer.WriteNull("start");
                writer.WriteNull("end");
            }
            else
            {
                writer.WriteNumber("message", t.Message);
                writer.WriteString("role", t.Role!.Value.ToName());
                writer.WriteNumber("start", t.Start);
                writer.WriteNumber("end", t.End);
            }
            if (t.HasScore)
            {
                writer.WriteNumber("entropy", Math.Round(t.Entropy, 6));
                writer.WriteNumber("surprisal", Math.Round(t.Surprisal, 6));
                writer.WriteNumber("rank", t.Rank);
            }
            else
            {
                writer.WriteNull("entropy");
                writer.WriteNull("surprisal");
                writer.WriteNull("rank");
            }
            if (t.Truncated) writer.WriteBoolean("truncated", true);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
