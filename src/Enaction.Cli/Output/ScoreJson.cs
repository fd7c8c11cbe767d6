using System.Text.Json.Serialization;
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
    /// <summary>The document.</summary>
    public sealed record ScoreDocument(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("tokens")] IReadOnlyList<ScoredToken> Tokens);

    /// <summary>One scored token; <see cref="Truncated"/> appears only when true.</summary>
    public sealed record ScoredToken(
        [property: JsonPropertyName("id")] int Id,
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("message")] int? Message,
        [property: JsonPropertyName("role")] string? Role,
        [property: JsonPropertyName("start")] int? Start,
        [property: JsonPropertyName("end")] int? End,
        [property: JsonPropertyName("entropy")] double? Entropy,
        [property: JsonPropertyName("surprisal")] double? Surprisal,
        [property: JsonPropertyName("rank")] int? Rank,
        [property: JsonPropertyName("truncated"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Truncated);

    /// <summary>Writes <paramref name="scored"/> to <paramref name="output"/> as one JSON document.</summary>
    public static void Write(TextWriter output, ScoredTranscript scored) =>
        CliJson.Write(output, new ScoreDocument(scored.ModelId, [.. scored.Tokens.Select(ToToken)]));

    private static ScoredToken ToToken(TokenScore t)
    {
        var content = !t.IsScaffolding;
        return new ScoredToken(t.Id, t.Text, content ? t.Message : null, content ? t.Role!.Value.ToName() : null,
            content ? t.Start : null, content ? t.End : null,
            t.HasScore ? CliJson.Number(t.Entropy) : null, t.HasScore ? CliJson.Number(t.Surprisal) : null, t.HasScore ? t.Rank : null,
            t.Truncated ? true : null);
    }
}
