using Enaction.Detection;
using Enaction.Policies;

namespace Enaction.Tests.Policies;

public sealed class PolicyLoaderTests : IDisposable
{
    private readonly PolicyTestFiles.TempFolder _temp = PolicyTestFiles.NewTempFolder();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes <paramref name="yaml"/> to a temp file, loads it, and returns the rejection.</summary>
    private (PolicyValidationException Error, string File) Reject(string yaml)
    {
        var file = _temp.Write("policy.yaml", yaml);
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(file));
        Assert.Equal(file, error.File);
        return (error, file);
    }

    private void AssertRejected(string yaml, long line, long column, string problem)
    {
        var (error, file) = Reject(yaml);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(problem, error.Problem);
        Assert.StartsWith($"{file}:{line}:{column}: ", error.Message);
    }

    [Fact]
    public void A_minimal_policy_gets_the_documented_defaults()
    {
        var policy = PolicyLoader.Parse("name: p\nversion: 1\nrules:\n  - name: r\n    actions: [log, block, resample, annotate]\nmode: fail-open\n");

        Assert.Equal(FailureMode.FailOpen, policy.Mode);
        Assert.Equal(PolicyBudgets.Default, policy.Budgets);
        Assert.Equal(new PolicyBudgets(2, 1, TimeSpan.FromSeconds(2)), policy.Budgets);
        var rule = Assert.Single(policy.Rules);
        Assert.Equal(RuleMatch.Any.Kinds, rule.Match.Kinds);
        Assert.Equal((Severity.Low, PolicyStage.Any, ScoreRange.Any), (rule.Match.MinSeverity, rule.Match.Stage, rule.Match.Score));
        Assert.Equal(new BlockAction(BlockAction.DefaultReplacement, false), rule.Actions[1]);
        Assert.Equal(new ResampleAction(3, 0, ResampleKeep.LowestRisk), rule.Actions[2]);
        Assert.Empty(Assert.IsType<AnnotateAction>(rule.Actions[3]).Metadata);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60000)]
    public void Durations_read_with_their_unit(string text, int milliseconds)
    {
        var policy = PolicyLoader.Parse($"name: p\nversion: 1\nbudgets:\n  scoring_timeout: {text}\nrules: []\nmode: fail-open\n");
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), policy.Budgets.ScoringTimeout);
    }

    [Fact]
    public void Actions_and_rules_remember_where_they_were_written()
    {
        var file = _temp.Write("located.yaml", "name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - log\n      - verify: {verifier: v}\nmode: fail-open\n");
        var rule = Assert.Single(PolicyLoader.Load(file).Rules);
        Assert.Equal(new PolicySourceLocation(file, 4, 5), rule.Location);
        Assert.Equal(new PolicySourceLocation(file, 7, 9), rule.Actions[1].Location);
    }

    [Fact]
    public void An_unknown_action_names_the_accepted_actions()
    {
        AssertRejected("""
            name: strict
            version: 1
            rules:
              - name: r
                actions:
                  - log
                  - blok
            """, 7, 9, "unknown action \"blok\"; expected one of log, annotate, resample, verify, strip, block, escalate");
    }

    [Fact]
    public void An_unknown_action_written_as_a_mapping_is_reported_at_its_name()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n    - resampel: {n: 2}\n", 6, 7, "unknown action \"resampel\"");
    }

    [Fact]
    public void An_unknown_top_level_key_lists_the_accepted_keys()
    {
        AssertRejected("name: p\nversion: 1\nmodes: fail-open\nrules: []\n", 3, 1,
            "unknown key \"modes\" in the policy; expected one of name, version, description, mode, unjudged, surrogate, budgets, conformal, rules");
    }

    [Fact]
    public void A_conformal_block_sets_the_target_and_leaves_the_rest_at_their_defaults()
    {
        var policy = PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nconformal:\n  target_fpr: 0.05\n  capacity: 500\nrules: []\n");

        Assert.Equal(new Enaction.Conformal.ConformalOptions { TargetFpr = 0.05, Capacity = 500 }, policy.Conformal);
        Assert.Equal(100, policy.Conformal!.EffectiveMinTurns);
        Assert.Null(PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nrules: []\n").Conformal);
        var all = PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nconformal:\n  target_fpr: 0.2\n  min_turns: 4\n  capacity: 40\n" +
            "  contrast_sample_rate: 1\n  drift_window: 20\n  drift_p_value: 0.01\nrules: []\n").Conformal!;
        Assert.Equal((0.2, 4, 40, 1.0, 20, 0.01), (all.TargetFpr, all.EffectiveMinTurns, all.Capacity, all.ContrastSampleRate, all.DriftWindow, all.DriftPValue));
    }

    [Theory]
    [InlineData("  target_fpr: 0\n", 5, 15, "conformal.target_fpr is 0; expected a false-positive rate above 0 and at most 0.5")]
    [InlineData("  target_fpr: 0.01\n  min_turns: 50\n", 6, 14, "conformal.min_turns is 50; at a target false-positive rate of 0.01 the conformal threshold needs at least 99 own turns")]
    [InlineData("  capacity: 20\n", 5, 13, "conformal.capacity is 20, fewer than the 100 own turns the threshold waits for (conformal.min_turns)")]
    [InlineData("  contrast_sample_rate: 1.5\n", 5, 25, "conformal.contrast_sample_rate is 1.5; expected a share above 0 and at most 1")]
    [InlineData("  target_fpr: lots\n", 5, 15, "conformal.target_fpr must be a number; found \"lots\"")]
    [InlineData("  capacity: -3\n", 5, 13, "conformal.capacity must be a whole number from 1 to 1000000")]
    [InlineData("  window: 3\n", 5, 3, "unknown key \"window\" in conformal; expected one of target_fpr, min_turns, capacity, contrast_sample_rate, drift_window, drift_p_value")]
    public void A_bad_conformal_setting_is_rejected_at_its_line(string settings, long line, long column, string problem) =>
        AssertRejected("name: p\nversion: 1\nmode: fail-open\nconformal:\n" + settings + "rules: []\n", line, column, problem);

    [Fact]
    public void An_unknown_key_in_a_match_lists_the_match_keys()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    match:\n      kind: [altered]\n    actions: [log]\n", 6, 7,
            "unknown key \"kind\" in match; expected one of kinds, min_severity, score, agents, functions, stage");
    }

    [Fact]
    public void An_unknown_setting_of_an_action_lists_its_settings()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - resample: {n: 2, temp: 0.1}\n", 6, 26,
            "unknown key \"temp\" in the settings of resample; expected one of n, temperature_delta, keep");
    }

    [Fact]
    public void Settings_not_indented_under_their_action_are_reported()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - resample:\n        n: 2\n", 7, 9,
            "unexpected key \"n\" beside action \"resample\"");
    }

    [Fact]
    public void A_wrong_type_says_what_was_expected_and_found()
    {
        AssertRejected("name: p\nversion: 1\nbudgets: [1, 2]\nrules: []\n", 3, 10, "budgets must be a mapping; found a list");
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    match:\n      kinds: off-policy\n    actions: [log]\n", 6, 14,
            "kinds must be a list; found \"off-policy\"");
    }

    [Fact]
    public void An_unknown_finding_kind_lists_every_kind()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    match:\n      kinds: [altered, of-policy]\n    actions: [log]\n", 6, 24,
            "unknown finding kind \"of-policy\"; expected one of " + string.Join(", ", FindingKinds.All));
    }

    [Fact]
    public void An_unknown_severity_lists_the_severities()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    match:\n      min_severity: critical\n    actions: [log]\n", 6, 21,
            "unknown severity \"critical\"; expected one of low, medium, high");
    }

    [Fact]
    public void An_unknown_keep_mode_lists_the_keep_modes()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - resample:\n          keep: best\n", 7, 17,
            "unknown keep mode \"best\"; expected one of lowest-risk, most-consistent");
    }

    [Fact]
    public void An_unknown_mode_lists_the_modes()
    {
        AssertRejected("name: p\nversion: 1\nmode: fail-safe\nrules: []\n", 3, 7, "unknown mode \"fail-safe\"; expected one of fail-open, fail-closed");
    }

    [Fact]
    public void A_negative_budget_is_rejected()
    {
        AssertRejected("name: p\nversion: 1\nbudgets:\n  max_resamples_per_call: -1\nrules: []\n", 4, 27,
            "max_resamples_per_call must be a whole number from 0 to 100; found \"-1\"");
    }

    [Fact]
    public void A_score_range_with_min_above_max_is_rejected()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    match:\n      score: {min: 0.9, max: 0.5}\n    actions: [log]\n", 6, 14,
            "score min 0.9 is greater than max 0.5; expected min <= max");
    }

    [Fact]
    public void A_duplicate_rule_name_points_at_the_second_and_names_the_first()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: same\n    actions: [log]\n  - name: same\n    actions: [strip]\n", 6, 11,
            "duplicate rule name \"same\"; the first is at line 4");
    }

    [Theory]
    [InlineData("2 secs")]
    [InlineData("fast")]
    [InlineData("0s")]
    [InlineData("-1s")]
    public void An_unparseable_duration_shows_the_accepted_forms(string text)
    {
        AssertRejected($"name: p\nversion: 1\nbudgets:\n  scoring_timeout: {text}\nrules: []\n", 4, 20,
            "as a duration; expected a positive number followed by ms, s, m or h");
    }

    [Fact]
    public void A_rule_without_actions_is_rejected_at_the_rule()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: quiet\n    match: {kinds: [altered]}\n", 4, 5,
            "rule \"quiet\" has no actions; expected at least one of log, annotate");
    }

    [Fact]
    public void A_rule_with_an_empty_action_list_is_rejected_at_the_list()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: quiet\n    actions: []\n", 5, 14, "rule \"quiet\" has no actions");
    }

    [Fact]
    public void A_missing_required_key_is_reported_at_its_mapping()
    {
        AssertRejected("name: p\nrules: []\n", 1, 1, "the policy has no \"version\"");
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - verify: {on_reject: block}\n", 6, 9,
            "verify has no \"verifier\"; expected verify: {verifier: NAME}");
    }

    [Fact]
    public void A_block_with_both_replacement_and_throw_is_rejected()
    {
        AssertRejected("name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - block: {throw: true, replacement: no}\n", 6, 43,
            "block has both replacement and throw: true");
    }

    [Fact]
    public void Invalid_yaml_syntax_is_reported_where_the_parser_stopped()
    {
        var (error, _) = Reject("name: p\nversion: 1\nrules:\n  - name: r\n    actions: [log\n");
        Assert.Equal(6L, error.Line);
        Assert.StartsWith("invalid YAML: ", error.Problem);
    }

    [Fact]
    public void A_duplicate_key_is_rejected_at_the_second_key()
    {
        var (error, _) = Reject("name: p\nversion: 1\nname: q\nrules: []\n");
        Assert.Equal((3L, 1L), (error.Line, error.Column));
        Assert.Contains("uplicate key", error.Problem);
    }

    [Fact]
    public void An_empty_file_is_rejected_with_the_expected_keys()
    {
        AssertRejected("# nothing here\n", 1, 1, "the file is empty; expected a mapping with the keys name, version");
    }

    [Fact]
    public void A_missing_file_names_the_file_without_a_position()
    {
        var path = Path.Combine(_temp.Path, "absent.yaml");
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(path));
        Assert.Equal(path, error.File);
        Assert.Null(error.Line);
        Assert.StartsWith("cannot read the file", error.Problem);
    }

    [Fact]
    public void Unregistered_references_are_rejected_at_the_action_when_names_are_given()
    {
        var yaml = "name: p\nversion: 1\nrules:\n  - name: r\n    actions:\n      - escalate: {callback: pager}\nmode: fail-open\n";
        var file = _temp.Write("refs.yaml", yaml);
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Load(file, new PolicyReferences([], ["oncall", "audit"])));
        Assert.Equal((6L, 9L), (error.Line, error.Column));
        Assert.Contains("unknown escalation callback \"pager\"; expected one of audit, oncall", error.Problem);
        Assert.NotNull(PolicyLoader.Load(file, new PolicyReferences([], ["pager"])));
    }
}
