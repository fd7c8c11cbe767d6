using System.Text.Json.Serialization;

namespace Enaction.Scoring;

/// <summary>
/// Whose distribution scored one assistant message: the generator that wrote it and the source of the numbers the
/// detectors read for it. Serialised as <c>{"message":N,"generator":"...","source":"same-model|generator-logprobs|served-logprobs|surrogate"}</c>.
/// </summary>
/// <param name="Message">The message's index in the transcript.</param>
/// <param name="Generator">The generator's model id (the message's own, the call's, the configured default, or the scorer's).</param>
/// <param name="Source">Where the message's token statistics came from.</param>
public sealed record MessageScoring(
    [property: JsonPropertyName("message")] int Message,
    [property: JsonPropertyName("generator")] string Generator,
    [property: JsonPropertyName("source")] ScoringSource Source);
