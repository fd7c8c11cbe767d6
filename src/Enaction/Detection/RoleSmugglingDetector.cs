using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// A user, system or tool message whose content carries a chat template's turn or role markers
/// (<see cref="RoleMarkers"/>, plus the scoring model's own control tokens in <see cref="DetectorOptions.RoleMarkers"/>):
/// text that tries to close its turn and open one for another role, typically an assistant turn the model never took.
/// The scorer encodes such text as plain characters, so the smuggled turn is not scored as the model's; this
/// detector makes the attempt itself visible. One finding per message, spanning its first to its last marker.
/// </summary>
public sealed class RoleSmugglingDetector : IDetector
{
    private readonly Regex _matcher;

    /// <summary>Creates the detector with the known families' markers and any in <paramref name="options"/>.</summary>
    public RoleSmugglingDetector(DetectorOptions? options = null)
    {
        Markers = [.. RoleMarkers.All.Concat((options ?? new DetectorOptions()).RoleMarkers).Distinct(StringComparer.Ordinal)];
        _matcher = RoleMarkers.Matcher(Markers);
    }

    /// <summary>The markers looked for.</summary>
    public ImmutableArray<string> Markers { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.RoleSmuggling];

    /// <summary>The text and its token ids only: works whatever the source.</summary>
    public DetectorNeeds Needs => DetectorNeeds.None;

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(findings);
        var transcript = context.Transcript;
        for (var m = 0; m < transcript.Count; m++)
        {
            if (transcript[m].Role == MessageRole.Assistant) continue;
            var matches = _matcher.Matches(transcript[m].Content);
            if (matches.Count == 0) continue;
            var first = matches[0];
            var last = matches[^1];
            var families = new List<string>();
            foreach (Match match in matches)
            {
                var family = RoleMarkers.FamilyOf(match.Value);
                if (!families.Contains(family)) families.Add(family);
            }
            var detail = ImmutableDictionary<string, object>.Empty
                .Add("markers", RoleMarkers.Describe(matches))
                .Add("families", string.Join(" ", families))
                .Add("count", matches.Count)
                .Add("role", transcript[m].Role.ToName());
            findings.Add(new Finding(FindingKinds.RoleSmuggling, Severity.High, matches.Count, 1, m, first.Index, last.Index + last.Length, detail));
        }
    }
}
