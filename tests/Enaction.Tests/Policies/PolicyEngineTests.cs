using Enaction.Detection;
using Enaction.Policies;

namespace Enaction.Tests.Policies;

public sealed class PolicyEngineTests
{
    private static readonly PolicyContext Response = new(PolicyStage.Response, "planner", "search_web");
    private static readonly PolicyContext Request = new(PolicyStage.Request, "planner", "search_web");

    private static Finding Make(string kind = FindingKinds.OffPolicy, Severity severity = Severity.High, double score = 5.0) =>
        new(kind, severity, score, 3.0, 2, 0, 10);

    private static PolicyEngine Engine(string rules, string extra = "") =>
        new(PolicyLoader.Parse($"name: test\nversion: \"7\"\n{(extra.Contains("mode:", StringComparison.Ordinal) ? "" : "mode: fail-open\n")}{extra}rules:\n{rules}"));

    private static PolicyEngine OneRule(string match) => Engine($"""
          - name: r
            match:
        {match}
            actions: [log]
        """);

    [Theory]
    [InlineData(FindingKinds.OffPolicy, true)]
    [InlineData(FindingKinds.Altered, true)]
    [InlineData(FindingKinds.SelfEcho, false)]
    public void Kinds_match_only_the_listed_finding_kinds(string kind, bool expected)
    {
        var engine = OneRule("      kinds: [off-policy, altered]");
        Assert.Equal(expected, !engine.Decide([Make(kind)], Response).IsEmpty);
    }

    [Fact]
    public void A_rule_without_kinds_matches_every_kind()
    {
        var engine = OneRule("      min_severity: low");
        foreach (var kind in FindingKinds.All)
            Assert.False(engine.Decide([Make(kind)], Response).IsEmpty);
    }

    [Theory]
    [InlineData(Severity.Low, false)]
    [InlineData(Severity.Medium, true)]
    [InlineData(Severity.High, true)]
    public void Min_severity_matches_that_severity_and_above(Severity severity, bool expected)
    {
        var engine = OneRule("      min_severity: medium");
        Assert.Equal(expected, !engine.Decide([Make(severity: severity)], Response).IsEmpty);
    }

    [Theory]
    [InlineData(1.99, false)]
    [InlineData(2.0, true)]
    [InlineData(3.5, true)]
    [InlineData(5.0, true)]
    [InlineData(5.01, false)]
    public void Score_range_includes_both_bounds(double score, bool expected)
    {
        var engine = OneRule("      score: {min: 2, max: 5}");
        Assert.Equal(expected, !engine.Decide([Make(score: score)], Response).IsEmpty);
    }

    [Theory]
    [InlineData(-100.0, true)]
    [InlineData(0.5, true)]
    [InlineData(0.51, false)]
    public void Score_range_with_only_max_is_open_below(double score, bool expected)
    {
        var engine = OneRule("      score: {max: 0.5}");
        Assert.Equal(expected, !engine.Decide([Make(score: score)], Response).IsEmpty);
    }

    [Theory]
    [InlineData("planner", true)]
    [InlineData("Planner", true)]
    [InlineData("research-bot", true)]
    [InlineData("research", false)]
    [InlineData("writer", false)]
    [InlineData(null, false)]
    public void Agents_match_exact_names_and_globs_ignoring_case(string? agent, bool expected)
    {
        var engine = OneRule("      agents: [planner, \"research-*\"]");
        Assert.Equal(expected, !engine.Decide([Make()], new PolicyContext(PolicyStage.Response, agent)).IsEmpty);
    }

    [Theory]
    [InlineData("search_web", true)]
    [InlineData("web_search_v2", true)]
    [InlineData("send_email", false)]
    [InlineData(null, false)]
    public void Functions_match_globs_anywhere_in_the_name(string? function, bool expected)
    {
        var engine = OneRule("      functions: [\"*search*\"]");
        Assert.Equal(expected, !engine.Decide([Make()], new PolicyContext(PolicyStage.Response, "a", function)).IsEmpty);
    }

    [Fact]
    public void A_lone_star_matches_a_call_without_an_agent_name()
    {
        var engine = OneRule("      agents: [\"*\"]");
        Assert.False(engine.Decide([Make()], new PolicyContext(PolicyStage.Response)).IsEmpty);
    }

    [Theory]
    [InlineData("request", PolicyStage.Request, true)]
    [InlineData("request", PolicyStage.Response, false)]
    [InlineData("response", PolicyStage.Response, true)]
    [InlineData("response", PolicyStage.Request, false)]
    [InlineData("any", PolicyStage.Request, true)]
    [InlineData("any", PolicyStage.Response, true)]
    public void Stage_matches_the_context_stage(string stage, PolicyStage context, bool expected)
    {
        var engine = OneRule($"      stage: {stage}");
        Assert.Equal(expected, !engine.Decide([Make()], new PolicyContext(context)).IsEmpty);
    }

    [Fact]
    public void Every_criterion_must_hold()
    {
        var engine = OneRule("      kinds: [off-policy]\n      min_severity: high\n      agents: [planner]\n      stage: response");
        Assert.False(engine.Decide([Make()], Response).IsEmpty);
        Assert.True(engine.Decide([Make(severity: Severity.Medium)], Response).IsEmpty);
        Assert.True(engine.Decide([Make()], Request).IsEmpty);
        Assert.True(engine.Decide([Make()], Response with { Agent = "writer" }).IsEmpty);
    }

    [Fact]
    public void No_findings_give_an_empty_decision_that_still_names_the_policy()
    {
        var decision = OneRule("      kinds: [off-policy]").Decide([], Response);
        Assert.True(decision.IsEmpty);
        Assert.Empty(decision.MatchedRules);
        Assert.Equal(("test", "7"), (decision.PolicyName, decision.PolicyVersion));
    }

    [Fact]
    public void Matched_rules_list_the_findings_each_one_matched_in_rule_order()
    {
        var engine = Engine("""
              - name: off-policy
                match: {kinds: [off-policy]}
                actions: [log]
              - name: high
                match: {min_severity: high}
                actions: [annotate]
              - name: never
                match: {kinds: [self-echo]}
                actions: [strip]
            """);
        var offLow = Make(FindingKinds.OffPolicy, Severity.Low);
        var alteredHigh = Make(FindingKinds.Altered, Severity.High);
        var decision = engine.Decide([offLow, alteredHigh], Response);

        Assert.Equal(["off-policy", "high"], decision.MatchedRules.Select(m => m.Rule.Name));
        Assert.Equal([offLow], decision.MatchedRules[0].Findings.ToArray());
        Assert.Equal([alteredHigh], decision.MatchedRules[1].Findings.ToArray());
    }

    [Fact]
    public void Actions_are_ordered_strictest_first_and_carry_their_parameters()
    {
        var engine = Engine("""
              - name: r1
                actions:
                  - log
                  - annotate
                  - escalate: {callback: oncall}
                  - verify: {verifier: checker, on_reject: annotate}
                  - resample: {n: 4, temperature_delta: 0.3, keep: most-consistent}
                  - strip
            """);
        var actions = engine.Decide([Make()], Response).Actions;

        Assert.Equal(
            [PolicyActionKind.Strip, PolicyActionKind.Resample, PolicyActionKind.Verify, PolicyActionKind.Escalate, PolicyActionKind.Annotate, PolicyActionKind.Log],
            actions.Select(a => a.Kind));
        Assert.Equal(new ResampleAction(4, 0.3, ResampleKeep.MostConsistent), actions[1]);
        Assert.Equal(new VerifyAction("checker", VerifierRejection.Annotate), actions[2]);
        Assert.Equal(new EscalateAction("oncall"), actions[3]);
    }

    [Fact]
    public void Block_supersedes_strip_resample_and_verify_but_keeps_escalate_annotate_and_log()
    {
        var engine = Engine("""
              - name: soft
                actions: [log, annotate, strip, "resample", {verify: {verifier: v}}, {escalate: {callback: c}}]
              - name: hard
                actions:
                  - block: {replacement: "withheld"}
            """);
        var actions = engine.Decide([Make()], Response).Actions;

        Assert.Equal(
            [PolicyActionKind.Block, PolicyActionKind.Escalate, PolicyActionKind.Annotate, PolicyActionKind.Log],
            actions.Select(a => a.Kind));
        Assert.Equal("withheld", Assert.IsType<BlockAction>(actions[0]).Replacement);
    }

    [Fact]
    public void Actions_repeated_across_rules_appear_once()
    {
        var engine = Engine("""
              - name: a
                actions: [log, strip, {escalate: {callback: oncall}}, {verify: {verifier: v1}}]
              - name: b
                actions: [log, strip, {escalate: {callback: oncall}}, {escalate: {callback: audit}}, {verify: {verifier: v1}}, {verify: {verifier: v2}}]
            """);
        var actions = engine.Decide([Make()], Response).Actions;

        Assert.Single(actions.OfType<LogAction>());
        Assert.Single(actions.OfType<StripAction>());
        Assert.Equal(["oncall", "audit"], actions.OfType<EscalateAction>().Select(e => e.Callback));
        Assert.Equal(["v1", "v2"], actions.OfType<VerifyAction>().Select(v => v.Verifier));
    }

    [Fact]
    public void A_throwing_block_beats_a_replacement_from_an_earlier_rule()
    {
        var engine = Engine("""
              - name: replace
                actions: [{block: {replacement: "no"}}]
              - name: throw
                actions: [{block: {throw: true}}]
            """);
        var block = engine.Decide([Make()], Response).Block;
        Assert.NotNull(block);
        Assert.True(block.Throw);
        Assert.Null(block.Replacement);
    }

    [Fact]
    public void The_earliest_rules_resample_parameters_win()
    {
        var engine = Engine("""
              - name: first
                actions: [{resample: {n: 2}}]
              - name: second
                actions: [{resample: {n: 5, keep: most-consistent}}]
            """);
        Assert.Equal(new ResampleAction(2, 0, ResampleKeep.LowestRisk), Assert.Single(engine.Decide([Make()], Response).Actions));
    }

    [Fact]
    public void The_same_verifier_twice_keeps_the_stricter_rejection()
    {
        var engine = Engine("""
              - name: lenient
                actions: [{verify: {verifier: checker, on_reject: annotate}}]
              - name: strict
                actions: [{verify: {verifier: checker, on_reject: block}}]
            """);
        Assert.Equal(new VerifyAction("checker", VerifierRejection.Block), Assert.Single(engine.Decide([Make()], Response).Actions));
    }

    [Fact]
    public void Annotations_merge_and_the_earliest_rule_wins_a_key()
    {
        var engine = Engine("""
              - name: first
                actions: [{annotate: {metadata: {team: safety, level: high}}}]
              - name: second
                actions: [{annotate: {metadata: {level: low, ticket: "42"}}}]
            """);
        var annotate = Assert.IsType<AnnotateAction>(Assert.Single(engine.Decide([Make()], Response).Actions));
        Assert.Equal(
            [new("level", "high"), new("team", "safety"), new KeyValuePair<string, string>("ticket", "42")],
            annotate.Metadata.ToArray());
    }

    [Fact]
    public void The_decision_carries_mode_and_budgets()
    {
        var engine = Engine("  - name: r\n    actions: [log]\n", "mode: fail-closed\nbudgets: {max_resamples_per_call: 3, max_verifications_per_call: 0, scoring_timeout: 1500ms}\n");
        var decision = engine.Decide([Make()], Response);
        Assert.Equal(FailureMode.FailClosed, decision.Mode);
        Assert.Equal(new PolicyBudgets(3, 0, TimeSpan.FromMilliseconds(1500)), decision.Budgets);
    }

    [Fact]
    public void The_same_input_gives_an_equal_decision()
    {
        var policy = PolicyLoader.Load(PolicyTestFiles.Shipped("strict.yaml"));
        Finding[] findings = [Make(FindingKinds.EvaluationAwareness, Severity.Medium), Make(FindingKinds.OverconfidentSpan, Severity.High)];
        var first = new PolicyEngine(policy).Decide(findings, Response);
        var second = new PolicyEngine(policy).Decide(findings, Response);
        Assert.Equal(first.Actions.ToArray(), second.Actions.ToArray());
        Assert.Equal(first.MatchedRules.Select(m => m.Rule.Name), second.MatchedRules.Select(m => m.Rule.Name));
    }

    [Fact]
    public void A_context_stage_of_any_is_refused()
    {
        Assert.Throws<ArgumentException>(() => OneRule("      stage: any").Decide([Make()], new PolicyContext(PolicyStage.Any)));
    }

    [Fact]
    public void The_engine_refuses_a_policy_naming_an_unregistered_verifier()
    {
        var policy = PolicyLoader.Parse("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - verify: {verifier: ghost}\nmode: fail-open\n", "p.yaml");
        var e = Assert.Throws<PolicyValidationException>(() => new PolicyEngine(policy, new PolicyReferences(["checker"], [])));
        Assert.Equal(("p.yaml", 6L, 9L), (e.File, e.Line!.Value, e.Column!.Value));
        Assert.Contains("unknown verifier \"ghost\"; expected one of checker", e.Message);
    }
}
