using System.Globalization;

namespace Enaction.Scoring;

/// <summary>
/// How the monitor binds generators to the scorer's weights (configuration section <c>Enaction:Scoring</c>). Every
/// member has a working default: with none set, a message is scored same-model when its generator is the scorer's
/// own model id, and surrogate otherwise.
/// </summary>
public sealed class ScoringSourceOptions
{
    /// <summary>
    /// <c>Enaction:Scoring:DefaultGenerator</c>: the generator assumed for an assistant message that names none and
    /// arrives in a call that names none (a transcript from elsewhere); the scorer's own model when null.
    /// </summary>
    public string? DefaultGenerator { get; set; }

    /// <summary>
    /// <c>Enaction:Scoring:SameModelIds</c>: other model ids that name the scorer's own weights (the id a serving
    /// endpoint or a host reports for the same model), so their messages are scored same-model.
    /// </summary>
    public IList<string> SameModelIds { get; set; } = [];

    /// <summary>
    /// <c>Enaction:Scoring:Generators</c>: generator model id to the SHA-256 (hex) of the ONNX weights it runs. A
    /// generator whose weights are the scorer's (<c>IConversationScorer.WeightsSha256</c>) is scored same-model, under
    /// any id; the same identity calibrations are tied to.
    /// </summary>
    public IDictionary<string, string> Generators { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Throws when a setting is malformed, naming it and what it accepts.</summary>
    public void Validate()
    {
        if (DefaultGenerator is { } d && string.IsNullOrWhiteSpace(d))
            throw new ArgumentException("Scoring:DefaultGenerator is empty; expected a generator model id (for example gpt-4o-mini), or leave it unset for the scorer's own model.", nameof(DefaultGenerator));
        for (var i = 0; i < SameModelIds.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(SameModelIds[i]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Scoring:SameModelIds:{i} is empty; expected a model id that names the scorer's own weights."), nameof(SameModelIds));
        }
        foreach (var (id, sha) in Generators)
        {
            if (string.IsNullOrWhiteSpace(id))
                throw new ArgumentException("Scoring:Generators has an empty model id; expected generator id: SHA-256 of its ONNX weights.", nameof(Generators));
            if (!IsSha256(sha))
                throw new ArgumentException($"Scoring:Generators:{id} is \"{sha}\"; expected the SHA-256 (64 hex digits) of the generator's ONNX weights, as `sha256sum model.onnx` prints it.", nameof(Generators));
        }
    }

    /// <summary>True for 64 hexadecimal digits.</summary>
    internal static bool IsSha256(string? value)
    {
        if (value is not { Length: 64 }) return false;
        foreach (var c in value) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
