using System.Text.Json.Serialization;

namespace Enaction.Cli.Output;

/// <summary>An assistant turn too short for the off-policy signature: only a ledger judges it.</summary>
/// <param name="Message">The message index.</param>
/// <param name="Tokens">Its scored tokens (fewer than the signature minimum).</param>
public sealed record ShortTurn(
    [property: JsonPropertyName("message")] int Message,
    [property: JsonPropertyName("tokens")] int Tokens);
