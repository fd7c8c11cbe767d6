using Enaction.Actions;
using Enaction.Detection;
using Enaction.Policies;

namespace Enaction.Tests.Policies;

/// <summary>How a host's registered action reads from a file and resolves among a decision's actions.</summary>
public sealed class CustomActionPolicyTests
{
    private sealed class PageHandler(int strictness) : ActionHandler
    {
        public override string Name => "page";

        public override int Strictness => strictness;

        public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static PolicyEngine Engine(string rules, int strictness = 2) =>
        new(PolicyLoader.Parse($"name: t\nversion: \"1\"\nmode: fail-open\nrules:\n{rules}", "t.yaml",
            new PolicyReferences([], ["oncall"]).WithActions(new ActionHandlerRegistry().Add(new PageHandler(strictness)))));

    private static readonly Finding OffPolicy = new(FindingKinds.OffPolicy, Severity.High, 5, 3, 1, 0, 10);

    [Fact]
    public void The_same_custom_action_from_two_rules_is_one_action_and_sorts_by_its_strictness()
    {
        var engine = Engine("""
              - name: a
                actions: [log, {page: {team: sre}}, annotate]
              - name: b
                actions: [{page: {team: sre}}, {page: {team: security}}, escalate: {callback: oncall}]
            """);

        var decision = engine.Decide([OffPolicy], new PolicyContext(PolicyStage.Response));

        Assert.Equal(["escalate", "page", "page", "annotate", "log"], decision.Actions.Select(a => a.Name));
        Assert.Equal(["sre", "security"], decision.Actions.OfType<CustomAction>().Select(a => a.Settings["team"]));
    }

    [Fact]
    public void A_block_keeps_a_custom_action_of_any_strictness()
    {
        var engine = Engine("""
              - name: a
                actions: [block, page]
            """, strictness: 3);

        var decision = engine.Decide([OffPolicy], new PolicyContext(PolicyStage.Request));

        Assert.Equal(["block", "page"], decision.Actions.Select(a => a.Name));
        Assert.Equal(PolicyActionKind.Custom, decision.Actions[1].Kind);
    }

    [Fact]
    public void A_custom_actions_settings_must_be_text()
    {
        var e = Assert.Throws<PolicyValidationException>(() => Engine("""
              - name: a
                actions:
                  - page: {team: [sre]}
            """));

        Assert.Equal("t.yaml:7:22: team must be text; found a list", e.Message);
    }

    [Fact]
    public void Without_a_registry_only_the_built_in_actions_load()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            PolicyLoader.Parse("name: t\nversion: \"1\"\nmode: fail-open\nrules:\n  - name: a\n    actions: [page]\n", "t.yaml"));

        Assert.Equal("t.yaml:6:15: unknown action \"page\"; expected one of log, annotate, resample, verify, strip, block, escalate", e.Message);
    }
}
