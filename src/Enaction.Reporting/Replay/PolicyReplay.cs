using System.Collections.Immutable;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Reporting.Inputs;

namespace Enaction.Reporting.Replay;

/// <summary>
/// Re-applies a candidate policy to the findings of recorded turns and compares its decisions, action kind by
/// action kind, with the baseline: the decisions recorded at the time, or another policy applied the same way.
/// Pure: no scoring, no generator, no actions executed.
/// </summary>
public sealed class PolicyReplay
{
    private readonly PolicyEngine _candidate;
    private readonly PolicyEngine? _baseline;

    /// <summary>Creates a replay of <paramref name="candidate"/> against <paramref name="baseline"/> (null: the recorded decisions).</summary>
    public PolicyReplay(Policy candidate, Policy? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        _candidate = new PolicyEngine(candidate);
        _baseline = baseline is null ? null : new PolicyEngine(baseline);
    }

    /// <summary>Replays <paramref name="records"/> (with their input lines), reporting each one done.</summary>
    public ReplayResult Run(IReadOnlyList<(int Line, TurnRecord Record)> records, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var candidateRules = _candidate.Policy.Rules.Select(r => r.Name).ToList();
        var ruleTurns = new Dictionary<string, (int Candidate, int Baseline)>(StringComparer.Ordinal);
        var baselineOnlyRules = new List<string>();
        // Built-in actions only: replay loads policies without a host, so no custom action can be decided here.
        var kinds = Enum.GetValues<PolicyActionKind>().Where(k => k != PolicyActionKind.Custom).ToArray();
        var turnsWith = new Dictionary<PolicyActionKind, (int Baseline, int Candidate)>();
        var added = new Dictionary<PolicyActionKind, int>();
        var removed = new Dictionary<PolicyActionKind, int>();
        var changes = ImmutableArray.CreateBuilder<TurnChange>();

        for (var i = 0; i < records.Count; i++)
        {
            var (line, record) = records[i];
            var firedCandidate = new HashSet<string>(StringComparer.Ordinal);
            var firedBaseline = new HashSet<string>(StringComparer.Ordinal);
            var before = new HashSet<PolicyActionKind>();
            var after = new HashSet<PolicyActionKind>();
            var stageChanges = ImmutableArray.CreateBuilder<StageChange>();

            foreach (var stage in record.Stages)
            {
                var stageKind = RecordedTurns.ParseStage(stage.Stage) ?? PolicyStage.Response;
                var context = new PolicyContext(stageKind, record.Agent, record.Function);
                var findings = stage.Findings.Select(RecordedTurns.ToFinding).ToList();

                var candidate = Decide(_candidate, stage, findings, context);
                firedCandidate.UnionWith(candidate.MatchedRules.Select(r => r.Rule.Name));
                var afterStage = candidate.Actions.Select(a => a.Kind).ToHashSet();

                HashSet<PolicyActionKind> beforeStage;
                if (_baseline is null)
                {
                    firedBaseline.UnionWith(stage.Rules);
                    beforeStage = stage.Decision.Select(a => RecordedTurns.ParseAction(a) ?? PolicyActionKind.Log).ToHashSet();
                }
                else
                {
                    var baseline = Decide(_baseline, stage, findings, context);
                    firedBaseline.UnionWith(baseline.MatchedRules.Select(r => r.Rule.Name));
                    beforeStage = baseline.Actions.Select(a => a.Kind).ToHashSet();
                }

                before.UnionWith(beforeStage);
                after.UnionWith(afterStage);
                var gained = kinds.Where(k => afterStage.Contains(k) && !beforeStage.Contains(k)).Reverse().ToImmutableArray();
                var lost = kinds.Where(k => beforeStage.Contains(k) && !afterStage.Contains(k)).Reverse().ToImmutableArray();
                foreach (var k in gained) added[k] = added.GetValueOrDefault(k) + 1;
                foreach (var k in lost) removed[k] = removed.GetValueOrDefault(k) + 1;
                if (gained.Length > 0 || lost.Length > 0) stageChanges.Add(new StageChange(stageKind, gained, lost));
            }

            foreach (var name in firedCandidate)
                ruleTurns[name] = (ruleTurns.GetValueOrDefault(name).Candidate + 1, ruleTurns.GetValueOrDefault(name).Baseline);
            foreach (var name in firedBaseline)
            {
                ruleTurns[name] = (ruleTurns.GetValueOrDefault(name).Candidate, ruleTurns.GetValueOrDefault(name).Baseline + 1);
                if (!candidateRules.Contains(name) && !baselineOnlyRules.Contains(name)) baselineOnlyRules.Add(name);
            }
            foreach (var k in kinds)
            {
                var (b, c) = turnsWith.GetValueOrDefault(k);
                turnsWith[k] = (b + (before.Contains(k) ? 1 : 0), c + (after.Contains(k) ? 1 : 0));
            }
            if (stageChanges.Count > 0)
                changes.Add(new TurnChange(record.ConversationId, record.Turn, line, Strictest(before), Strictest(after), stageChanges.ToImmutable()));
            progress?.Report(i + 1);
        }

        // The baseline policy's own rules come next in file order, then rules only the recorded decisions name.
        if (_baseline is not null)
        {
            var order = _baseline.Policy.Rules.Select(r => r.Name).ToList();
            baselineOnlyRules.Sort((a, b) => order.IndexOf(a).CompareTo(order.IndexOf(b)));
            foreach (var name in order)
                if (!candidateRules.Contains(name) && !baselineOnlyRules.Contains(name)) baselineOnlyRules.Add(name);
        }
        var rules = candidateRules.Select(n => new RuleCount(n, ruleTurns.GetValueOrDefault(n).Candidate, ruleTurns.GetValueOrDefault(n).Baseline, true))
            .Concat(baselineOnlyRules.Select(n => new RuleCount(n, 0, ruleTurns.GetValueOrDefault(n).Baseline, false)))
            .ToImmutableArray();
        var actions = kinds.Reverse()
            .Select(k => new ActionCount(k, turnsWith.GetValueOrDefault(k).Baseline, turnsWith.GetValueOrDefault(k).Candidate, added.GetValueOrDefault(k), removed.GetValueOrDefault(k)))
            .ToImmutableArray();
        return new ReplayResult(Describe(_candidate.Policy), _baseline is null ? "recorded decisions" : Describe(_baseline.Policy),
            records.Count, rules, actions, changes.ToImmutable());
    }

    private static PolicyDecision Decide(PolicyEngine engine, RecordedStage stage, IReadOnlyList<Finding> findings, PolicyContext context) =>
        stage.ScoringFailed ? PolicyDecision.ForScoringFailure(engine.Policy) : engine.Decide(findings, context);

    private static PolicyActionKind? Strictest(HashSet<PolicyActionKind> kinds) =>
        kinds.Count == 0 ? null : kinds.Max();

    private static string Describe(Policy policy) => $"{policy.Name} {policy.Version}";
}
