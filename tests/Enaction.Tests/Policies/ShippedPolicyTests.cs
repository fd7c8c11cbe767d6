using Enaction.Detection;
using Enaction.Policies;

namespace Enaction.Tests.Policies;

public sealed class ShippedPolicyTests
{
    /// <summary>The names the shipped policies reference; a host registers these.</summary>
    private static readonly PolicyReferences HostNames = new(["default-verifier", "fact-checker"], ["safety-oncall"]);

    private static PolicyEngine Load(string file) => new(PolicyLoader.Load(PolicyTestFiles.Shipped(file), HostNames));

    private static Finding Make(string kind, Severity severity) => new(kind, severity, 5, 3, 1, 0, 4);

    private static IEnumerable<Finding> EveryFinding() =>
        from kind in FindingKinds.All from severity in Enum.GetValues<Severity>() select Make(kind, severity);

    [Theory]
    [InlineData("default.yaml", "default", FailureMode.FailOpen)]
    [InlineData("audit-only.yaml", "audit-only", FailureMode.FailOpen)]
    [InlineData("strict.yaml", "strict", FailureMode.FailClosed)]
    public void Shipped_policies_load_and_resolve_their_references(string file, string name, FailureMode mode)
    {
        var policy = Load(file).Policy;
        Assert.Equal((name, mode), (policy.Name, policy.Mode));
        Assert.NotEmpty(policy.Rules);
    }

    [Fact]
    public void The_readme_example_is_a_valid_policy()
    {
        var readme = File.ReadAllText(PolicyTestFiles.Shipped("README.md"));
        var start = readme.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        var policy = PolicyLoader.Parse(yaml, "README.md", new PolicyReferences(["ledger-checker"], ["payments-oncall"]));

        Assert.Equal(["log-everything", "block-rewritten-history", "check-transfers"], policy.Rules.Select(r => r.Name));
        Assert.Equal(new ScoreRange(2.5, null), policy.Rules[2].Match.Score);
    }

    [Fact]
    public void Audit_only_never_asks_for_an_action_that_changes_a_request_or_response()
    {
        var engine = Load("audit-only.yaml");
        foreach (var stage in new[] { PolicyStage.Request, PolicyStage.Response })
        {
            var decision = engine.Decide(EveryFinding().ToList(), new PolicyContext(stage, "any-agent"));
            Assert.Equal([PolicyActionKind.Annotate, PolicyActionKind.Log], decision.Actions.Select(a => a.Kind));
        }
    }

    [Fact]
    public void Default_logs_low_findings_without_acting()
    {
        var decision = Load("default.yaml").Decide([Make(FindingKinds.SelfEcho, Severity.Low)], new PolicyContext(PolicyStage.Response));
        Assert.Equal([PolicyActionKind.Log], decision.Actions.Select(a => a.Kind));
    }

    [Fact]
    public void Default_resamples_then_verifies_a_high_off_policy_response()
    {
        var decision = Load("default.yaml").Decide([Make(FindingKinds.OffPolicy, Severity.High)], new PolicyContext(PolicyStage.Response));
        Assert.Equal(
            [PolicyActionKind.Resample, PolicyActionKind.Verify, PolicyActionKind.Annotate, PolicyActionKind.Log],
            decision.Actions.Select(a => a.Kind));
    }

    [Fact]
    public void Default_strips_unattested_history()
    {
        var decision = Load("default.yaml").Decide([Make(FindingKinds.Unattested, Severity.Medium)], new PolicyContext(PolicyStage.Request));
        Assert.Contains(decision.Actions, a => a is StripAction);
    }

    [Fact]
    public void Strict_blocks_high_altered_content_and_still_logs()
    {
        var decision = Load("strict.yaml").Decide([Make(FindingKinds.Altered, Severity.High)], new PolicyContext(PolicyStage.Request));
        Assert.NotNull(decision.Block);
        Assert.Equal(PolicyActionKind.Block, decision.Actions[0].Kind);
        Assert.DoesNotContain(decision.Actions, a => a is StripAction);
        Assert.Contains(decision.Actions, a => a is LogAction);
    }

    [Fact]
    public void Strict_verifies_overconfident_spans_and_escalates_evaluation_awareness()
    {
        var decision = Load("strict.yaml").Decide(
            [Make(FindingKinds.OverconfidentSpan, Severity.Medium), Make(FindingKinds.EvaluationAwareness, Severity.Low)],
            new PolicyContext(PolicyStage.Response));
        Assert.Equal(new VerifyAction("fact-checker", VerifierRejection.Block), decision.ActionsOf<VerifyAction>().Single());
        Assert.Equal(new EscalateAction("safety-oncall"), decision.ActionsOf<EscalateAction>().Single());
    }

    [Fact]
    public void Strict_has_tighter_budgets_than_default()
    {
        var strict = Load("strict.yaml").Policy.Budgets;
        var normal = Load("default.yaml").Policy.Budgets;
        Assert.True(strict.ScoringTimeout < normal.ScoringTimeout);
        Assert.True(strict.MaxResamplesPerCall <= normal.MaxResamplesPerCall);
    }
}
