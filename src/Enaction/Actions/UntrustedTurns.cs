using Enaction.Detection;
using Enaction.Monitoring;

namespace Enaction.Actions;

/// <summary>The <c>strip</c> action: which assistant turns of a request to remove before the model call.</summary>
internal static class UntrustedTurns
{
    /// <summary>Finding kinds that mark an assistant turn as not the model's own.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [FindingKinds.Unattested, FindingKinds.Altered, FindingKinds.OffPolicy, FindingKinds.Unjudged];

    /// <summary>Indices of assistant messages the request verdict shows the model did not write, ascending.</summary>
    public static IReadOnlyList<int> Find(TurnVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var transcript = verdict.Scores?.Transcript;
        var indices = new SortedSet<int>();
        foreach (var f in verdict.Findings)
        {
            if (!Kinds.Contains(f.Kind)) continue;
            if (transcript is not null && transcript[f.Message].Role != Transcripts.MessageRole.Assistant) continue;
            indices.Add(f.Message);
        }
        return [.. indices];
    }

    /// <summary>A copy of <paramref name="messages"/> without the given indices.</summary>
    public static List<T> Remove<T>(IReadOnlyList<T> messages, IReadOnlyList<int> indices)
    {
        var drop = new HashSet<int>(indices);
        var kept = new List<T>(messages.Count);
        for (var i = 0; i < messages.Count; i++) if (!drop.Contains(i)) kept.Add(messages[i]);
        return kept;
    }
}
