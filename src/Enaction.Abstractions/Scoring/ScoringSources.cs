namespace Enaction.Scoring;

/// <summary>Names and plain-words descriptions of <see cref="ScoringSource"/> values.</summary>
public static class ScoringSources
{
    /// <summary>The accepted names, for error messages.</summary>
    public const string Accepted = "same-model, generator-logprobs, served-logprobs, surrogate";

    /// <summary>The source's name as JSON, YAML and logs write it (<c>same-model</c>, <c>surrogate</c>, ...).</summary>
    public static string ToName(this ScoringSource source) => source switch
    {
        ScoringSource.SameModel => "same-model",
        ScoringSource.GeneratorLogprobs => "generator-logprobs",
        ScoringSource.ServedLogprobs => "served-logprobs",
        ScoringSource.Surrogate => "surrogate",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, $"unknown scoring source; expected one of {Accepted}"),
    };

    /// <summary>Parses a source's name.</summary>
    public static bool TryParse(string? name, out ScoringSource source)
    {
        switch (name)
        {
            case "same-model": source = ScoringSource.SameModel; return true;
            case "generator-logprobs": source = ScoringSource.GeneratorLogprobs; return true;
            case "served-logprobs": source = ScoringSource.ServedLogprobs; return true;
            case "surrogate": source = ScoringSource.Surrogate; return true;
            default: source = default; return false;
        }
    }

    /// <summary>What the source means, in words, for tables and reports.</summary>
    public static string Describe(this ScoringSource source) => source switch
    {
        ScoringSource.SameModel => "scored with the generator's own weights",
        ScoringSource.GeneratorLogprobs => "the generator's own log-probabilities, returned with its answer",
        ScoringSource.ServedLogprobs => "the generator's own prompt log-probabilities, from the engine serving its weights",
        ScoringSource.Surrogate => "scored by a different model (a surrogate): its surprise, not the generator's",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, $"unknown scoring source; expected one of {Accepted}"),
    };
}
