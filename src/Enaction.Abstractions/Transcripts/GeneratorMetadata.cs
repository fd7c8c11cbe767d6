namespace Enaction.Transcripts;

/// <summary>
/// Keys a local generator puts in a response's <c>AdditionalProperties</c> (the response's, the message's and, when
/// streaming, the last update's) to tell the monitor what it did.
/// </summary>
public static class GeneratorMetadata
{
    /// <summary>
    /// <c>enaction.continued_prefill</c>: the request ended with an assistant message and the response's text continues
    /// it. The value (an <see cref="int"/>) is that prefill's length in characters: the continued message is the prefill
    /// followed by the response text, and the model's own text starts at this offset. The monitor judges the continued
    /// message as one turn with this model-authored boundary (what <c>broken-intention</c> reads); without the key a
    /// response is a whole turn of the model's own.
    /// </summary>
    public const string ContinuedPrefill = "enaction.continued_prefill";

    /// <summary>
    /// Reads <see cref="ContinuedPrefill"/> from <paramref name="properties"/>: the prefill length when present and a
    /// whole number from 1 up (an <see cref="int"/>, a <see cref="long"/> or a JSON number, as it arrives after a round
    /// trip through JSON), else null.
    /// </summary>
    public static int? ContinuedPrefillLength(IReadOnlyDictionary<string, object?>? properties)
    {
        if (properties is null || !properties.TryGetValue(ContinuedPrefill, out var value)) return null;
        var length = value switch
        {
            int i => i,
            long l when l is >= 1 and <= int.MaxValue => (int)l,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e when e.TryGetInt32(out var j) => j,
            _ => 0,
        };
        return length >= 1 ? length : null;
    }
}
