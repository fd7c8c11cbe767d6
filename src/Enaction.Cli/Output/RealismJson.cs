using System.Text.Json;
using Enaction.Realism;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>realism --json</c> schema, one object per transcript: <c>{"line","model","method","threshold","synthetic",
/// "judged","recognised","glaring","recognised_share","replaced","turns":[{"message","tokens","score","threshold",
/// "percentile","percentile_from","verdict","giveaways":[{"start","end","text","gap","surprisal","entropy"}],
/// "own_sample_scores"?,"resample"?:{"replaced","attempts","content","score","percentile","verdict","rejected":{}}}],
/// "resampled"?:{"messages":[...]}}</c>. Numbers that do not exist are null.
/// </summary>
public static class RealismJson
{
    /// <summary>Writes one transcript's object as a line; <paramref name="resample"/> adds the resampled transcript.</summary>
    public static void Write(TextWriter output, string model, TranscriptRealism result, bool resample)
    {
        CliJson.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", result.Eval.Line);
            writer.WriteString("model", model);
            var first = result.Turns.FirstOrDefault();
            if (first is not null)
            {
                writer.WriteString("method", first.Method);
                Number(writer, "threshold", first.Threshold);
            }
            writer.WriteNumber("synthetic", result.Turns.Length);
            writer.WriteNumber("judged", result.Judged);
            writer.WriteNumber("recognised", result.Recognised);
            writer.WriteNumber("glaring", result.Glaring);
            Number(writer, "recognised_share", result.RecognisedShare);
            if (resample) writer.WriteNumber("replaced", result.Replaced);
            writer.WriteStartArray("turns");
            foreach (var turn in result.Turns)
            {
                writer.WriteStartObject();
                Turn(writer, turn);
                if (!turn.OwnSampleScores.IsDefaultOrEmpty)
                {
                    writer.WriteStartArray("own_sample_scores");
                    foreach (var s in turn.OwnSampleScores) writer.WriteNumberValue(Math.Round(s, 6));
                    writer.WriteEndArray();
                }
                if (turn.Resample is { } r)
                {
                    writer.WriteStartObject("resample");
                    writer.WriteBoolean("replaced", r.Replaced);
                    writer.WriteNumber("attempts", r.Attempts);
                    if (r.Content is null) writer.WriteNull("content");
                    else writer.WriteString("content", r.Content);
                    if (r.Realism is { } judged)
                    {
                        Number(writer, "score", judged.Score);
                        Number(writer, "percentile", judged.Percentile);
                        writer.WriteString("verdict", judged.Verdict.ToName());
                    }
                    writer.WriteStartObject("rejected");
                    foreach (var (reason, count) in r.Rejected) writer.WriteNumber(reason, count);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            if (resample)
            {
                writer.WritePropertyName("resampled");
                writer.WriteRawValue(EvalTranscriptJsonl.ToLine(result.Eval, result.Resampled));
            }
            writer.WriteEndObject();
        });
    }

    private static void Turn(Utf8JsonWriter writer, TurnRealism turn)
    {
        writer.WriteNumber("message", turn.Message);
        writer.WriteNumber("tokens", turn.Tokens);
        Number(writer, "score", turn.Score);
        Number(writer, "threshold", turn.Threshold);
        Number(writer, "percentile", turn.Percentile);
        if (turn.PercentileSource is null) writer.WriteNull("percentile_from");
        else writer.WriteString("percentile_from", turn.PercentileSource);
        writer.WriteString("verdict", turn.Verdict.ToName());
        writer.WriteStartArray("giveaways");
        foreach (var g in turn.Giveaways)
        {
            writer.WriteStartObject();
            writer.WriteNumber("start", g.Start);
            writer.WriteNumber("end", g.End);
            writer.WriteString("text", g.Text);
            Number(writer, "gap", g.Gap);
            Number(writer, "surprisal", g.Surprisal);
            Number(writer, "entropy", g.Entropy);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) writer.WriteNumber(name, Math.Round(v, 4));
        else writer.WriteNull(name);
    }
}
