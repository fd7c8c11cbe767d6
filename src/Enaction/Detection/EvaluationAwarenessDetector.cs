using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// Responses that reason aloud that they are being tested, evaluated or watched, matched by configurable patterns
/// (<see cref="DetectorOptions.EvaluationPatterns"/>) and reported with the matched span.
/// </summary>
public sealed class EvaluationAwarenessDetector : IDetector
{
    private readonly ImmutableArray<Regex> _patterns;

    /// <summary>Compiles the patterns; an invalid one is an <see cref="ArgumentException"/> that names it.</summary>
    public EvaluationAwarenessDetector(DetectorOptions? options = null)
    {
        var builder = ImmutableArray.CreateBuilder<Regex>();
        foreach (var pattern in (options ?? new DetectorOptions()).EvaluationPatterns)
        {
            try
            {
                builder.Add(new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"evaluation-awareness pattern \"{pattern}\" is not a valid regular expression: {e.Message}", nameof(options), e);
            }
        }
        _patterns = builder.ToImmutable();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.EvaluationAwareness];

    /// <summary>The text only: works whatever the source.</summary>
    public DetectorNeeds Needs => DetectorNeeds.None;

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        var transcript = context.Transcript;
        for (var m = 0; m < transcript.Count; m++)
        {
            if (transcript[m].Role != MessageRole.Assistant) continue;
            var content = transcript[m].Content;
            var reported = new List<(int Start, int End)>();
            foreach (var regex in _patterns)
            {
                foreach (Match match in regex.Matches(content))
                {
                    // Patterns overlap ("I am being evaluated" / "being evaluated"): one finding per stretch of text.
                    var (start, end) = (match.Index, match.Index + match.Length);
                    if (reported.Exists(r => start < r.End && r.Start < end)) continue;
                    reported.Add((start, end));
                    var detail = ImmutableDictionary<string, object>.Empty
                        .Add("pattern", regex.ToString())
                        .Add("text", match.Value);
                    findings.Add(new Finding(FindingKinds.EvaluationAwareness, Severity.Medium, 1, 1, m, match.Index, match.Index + match.Length, detail));
                }
            }
        }
    }
}
