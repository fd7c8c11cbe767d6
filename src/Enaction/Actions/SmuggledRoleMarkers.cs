using Enaction.Detection;
using Enaction.Monitoring;
using Microsoft.Extensions.AI;

namespace Enaction.Actions;

/// <summary>
/// The <c>strip</c> action on <c>role-smuggling</c> findings: the turn and role markers a user, system or tool message
/// carries are cut out of its text (text parts and string tool results), so no generator that parses them, and no
/// log that displays them, sees a smuggled turn. The rest of the message is kept.
/// </summary>
internal static class SmuggledRoleMarkers
{
    /// <summary>For each message with a role-smuggling finding, the markers found in it (from the finding's detail).</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<string>> Find(TurnVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var found = new SortedDictionary<int, IReadOnlyList<string>>();
        foreach (var f in verdict.Findings)
        {
            if (f.Kind != FindingKinds.RoleSmuggling) continue;
            var markers = f.Detail.TryGetValue("markers", out var m) && m is string text
                ? text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                : [.. RoleMarkers.All];
            found[f.Message] = markers;
        }
        return found;
    }

    /// <summary>A copy of <paramref name="messages"/> with the markers removed from the given messages.</summary>
    public static List<ChatMessage> Strip(IReadOnlyList<ChatMessage> messages, IReadOnlyDictionary<int, IReadOnlyList<string>> markers)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(markers);
        var result = new List<ChatMessage>(messages);
        foreach (var (index, found) in markers)
        {
            if ((uint)index >= (uint)result.Count) continue;
            // Every known marker, not only those found, so removing one cannot leave another behind.
            var matcher = RoleMarkers.Matcher(found.Concat(RoleMarkers.All));
            var original = result[index];
            var copy = original.Clone();
            copy.Contents = [.. original.Contents.Select(c => c switch
            {
                TextContent t => new TextContent(RoleMarkers.Remove(t.Text ?? "", matcher)) { AdditionalProperties = t.AdditionalProperties },
                FunctionResultContent r when r.Result is string s => new FunctionResultContent(r.CallId, RoleMarkers.Remove(s, matcher)) { AdditionalProperties = r.AdditionalProperties },
                _ => c,
            })];
            result[index] = copy;
        }
        return result;
    }
}
