using System.Text.Json;
using System.Text.Json.Serialization;
using Enaction.Realism;

namespace Enaction.Cli.Output;

/// <summary>
/// The <c>realism --json</c> schema, one object per transcript: <c>{"line","model","method","threshold","synthetic",
/// "judged","recognised","glaring","recognised_share","replaced","turns":[{"message","tokens","score","threshold",
/// "method","percentile","percentile_from","verdict","giveaways":[{"start","end","text","gap","surprisal","entropy"}],
/// "own_sample_scores"?,"resample"?:{"replaced","attempts","content","score","percentile","verdict","rejected":{}}}],
/// "resampled"?:{"messages":[...]}}</c>. Numbers that do not exist are null; statistics have 4 decimals.
/// </summary>
public static class RealismJson
{
    private const int Digits = 4;

    /// <summary>One transcript's document.</summary>
    public sealed record RealismDocument(
        [property: JsonPropertyName("line")] int Line,
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("method"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Method,
        [property: JsonPropertyName("threshold"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Threshold,
        [property: JsonPropertyName("synthetic")] int Synthetic,
        [property: JsonPropertyName("judged")] int Judged,
        [property: JsonPropertyName("recognised")] int Recognised,
        [property: JsonPropertyName("glaring")] int Glaring,
        [property: JsonPropertyName("recognised_share")] double? RecognisedShare,
        [property: JsonPropertyName("replaced"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Replaced,
        [property: JsonPropertyName("turns")] IReadOnlyList<TurnRow> Turns,
        [property: JsonPropertyName("resampled"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Resampled);

    /// <summary>One synthetic turn's verdict.</summary>
    public sealed record TurnRow(
        [property: JsonPropertyName("message")] int Message,
        [property: JsonPropertyName("tokens")] int Tokens,
        [property: JsonPropertyName("score")] double? Score,
        [property: JsonPropertyName("threshold")] double? Threshold,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("percentile")] double? Percentile,
        [property: JsonPropertyName("percentile_from")] string? PercentileFrom,
        [property: JsonPropertyName("verdict")] string Verdict,
        [property: JsonPropertyName("giveaways")] IReadOnlyList<GiveawayRow> Giveaways,
        [property: JsonPropertyName("own_sample_scores"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double?>? OwnSampleScores,
        [property: JsonPropertyName("resample"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ResampleRow? Resample);

    /// <summary>The span that gives a turn away.</summary>
    public sealed record GiveawayRow(
        [property: JsonPropertyName("start")] int Start,
        [property: JsonPropertyName("end")] int End,
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("gap")] double? Gap,
        [property: JsonPropertyName("surprisal")] double? Surprisal,
        [property: JsonPropertyName("entropy")] double? Entropy);

    /// <summary>What resampling a recognised turn did; the judgement of the kept content appears when there is one.</summary>
    public sealed record ResampleRow(
        [property: JsonPropertyName("replaced")] bool Replaced,
        [property: JsonPropertyName("attempts")] int Attempts,
        [property: JsonPropertyName("content")] string? Content,
        [property: JsonPropertyName("score"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Score,
        [property: JsonPropertyName("percentile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Percentile,
        [property: JsonPropertyName("verdict"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Verdict,
        [property: JsonPropertyName("rejected")] IReadOnlyDictionary<string, int> Rejected);

    /// <summary>Writes one transcript's object as a line; <paramref name="resample"/> adds the resampled transcript.</summary>
    public static void Write(TextWriter output, string model, TranscriptRealism result, bool resample)
    {
        var first = result.Turns.FirstOrDefault();
        JsonElement? resampled = null;
        if (resample)
        {
            using var document = JsonDocument.Parse(EvalTranscriptJsonl.ToLine(result.Eval, result.Resampled));
            resampled = document.RootElement.Clone();
        }
        CliJson.Write(output, new RealismDocument(result.Eval.Line, model, first?.Method, first is null ? null : CliJson.Number(first.Threshold, Digits),
            result.Turns.Length, result.Judged, result.Recognised, result.Glaring, CliJson.Number(result.RecognisedShare, Digits),
            resample ? result.Replaced : null, [.. result.Turns.Select(ToTurn)], resampled));
    }

    private static TurnRow ToTurn(TurnRealism turn) => new(turn.Message, turn.Tokens, CliJson.Number(turn.Score, Digits),
        CliJson.Number(turn.Threshold, Digits), turn.Method, CliJson.Number(turn.Percentile, Digits), turn.PercentileSource, turn.Verdict.ToName(),
        [.. turn.Giveaways.Select(g => new GiveawayRow(g.Start, g.End, g.Text, CliJson.Number(g.Gap, Digits), CliJson.Number(g.Surprisal, Digits), CliJson.Number(g.Entropy, Digits)))],
        turn.OwnSampleScores.IsDefaultOrEmpty ? null : [.. turn.OwnSampleScores.Select(s => CliJson.Number(s))],
        turn.Resample is { } r
            ? new ResampleRow(r.Replaced, r.Attempts, r.Content, r.Realism is { } judged ? CliJson.Number(judged.Score, Digits) : null,
                r.Realism is { } j ? CliJson.Number(j.Percentile, Digits) : null, r.Realism?.Verdict.ToName(), r.Rejected)
            : null);
}
