using System.Collections.Immutable;

namespace Enaction.Detection;

/// <summary>
/// One thing a detector found in a transcript, with the statistics behind it. Serialised with one stable schema:
/// <c>{"kind","severity","score","threshold","message","start","end","detail":{...}}</c>.
/// </summary>
/// <param name="Kind">One of <see cref="FindingKinds"/>.</param>
/// <param name="Severity">How much it matters.</param>
/// <param name="Score">The detector's statistic; larger means more suspicious.</param>
/// <param name="Threshold">The value <paramref name="Score"/> was compared with (calibrated or default).</param>
/// <param name="Message">Index of the message the finding is about.</param>
/// <param name="Start">Character offset in that message's content where the span starts.</param>
/// <param name="End">Character offset (exclusive) where the span ends.</param>
/// <param name="Detail">The numbers and labels behind the score (means, baselines, matched pattern, ...).</param>
public sealed record Finding(
    string Kind,
    Severity Severity,
    double Score,
    double Threshold,
    int Message,
    int Start,
    int End,
    ImmutableDictionary<string, object> Detail)
{
    /// <summary>A finding with no detail.</summary>
    public Finding(string kind, Severity severity, double score, double threshold, int message, int start, int end)
        : this(kind, severity, score, threshold, message, start, end, ImmutableDictionary<string, object>.Empty) { }
}
