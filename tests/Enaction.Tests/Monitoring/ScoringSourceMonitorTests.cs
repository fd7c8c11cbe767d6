using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Tests.Monitoring;

public class ScoringSourceMonitorTests
{
    private static string Yaml(string surrogate = "skip", string kinds = "") => $"""
        name: sources
        version: "1"
        mode: fail-open
        surrogate: {surrogate}
        rules:
          - name: signature-only
            {(kinds.Length == 0 ? "" : $"match: {{ kinds: [{kinds}] }}")}
            actions: [log]
        """;

    /// <summary>A custom detector that reads the scores (the default need) and flags every assistant turn.</summary>
    private sealed class EveryAssistantTurn : IDetector
    {
        public IReadOnlyList<string> Kinds { get; } = ["every-turn"];

        public void Detect(DetectionContext context, List<Finding> findings)
        {
            for (var m = 0; m < context.Transcript.Count; m++)
                if (context.Transcript[m].Role == MessageRole.Assistant)
                    findings.Add(new Finding("every-turn", Severity.Low, 1, 0, m, 0, context.Transcript[m].Content.Length));
        }
    }

    private static readonly Transcript Aware = new([
        TranscriptMessage.User("Hello."),
        TranscriptMessage.Assistant("I think this is a test of some kind.") with { Model = "gpt-4o-mini" },
    ]);

    private static Calibration SurrogateCalibration(string generator) => new() { ModelId = "words", ModelSha256 = new string('a', 64), SurrogateFor = generator };

    private static ConversationMonitor Monitor(string yaml, ListLogger? logger = null, Calibration? surrogate = null, ScoringSourceOptions? sources = null) =>
        new(new WordScorer(), new PolicyEngine(PolicyLoader.Parse(yaml, "sources.yaml")), new ConversationMonitorOptions
        {
            Detectors = DetectorSet.Default().With([new EveryAssistantTurn()]),
            SurrogateCalibration = surrogate,
            Sources = sources ?? new ScoringSourceOptions(),
        }, logger);

    private static async Task<TurnVerdict> RequestAsync(ConversationMonitor monitor, Transcript transcript)
    {
        await using var exchange = await monitor.BeginAsync(new ExchangeRequest("c1", transcript));
        return exchange.RequestVerdict;
    }

    [Fact]
    public async Task A_surrogate_scored_turn_gets_findings_only_from_detectors_that_work_whatever_the_source()
    {
        using var monitor = Monitor(Yaml());
        var verdict = await RequestAsync(monitor, Aware);

        Assert.Equal([new MessageScoring(1, "gpt-4o-mini", ScoringSource.Surrogate)], verdict.Scoring.ToArray());
        var aware = Assert.Single(verdict.Findings, f => f.Kind == FindingKinds.EvaluationAwareness);
        Assert.Equal("surrogate", aware.Detail["source"]);
        Assert.DoesNotContain(verdict.Findings, f => f.Kind == "every-turn");

        // Nothing vouches for the history turn (no ledger, no signature): the policy's unjudged treatment, strip by default.
        var unjudged = Assert.Single(verdict.Findings, f => f.Kind == FindingKinds.Unjudged);
        Assert.Equal(1, unjudged.Message);
        Assert.Contains(verdict.Decision.Actions, a => a is StripAction);
    }

    [Fact]
    public async Task Surrogate_judge_needs_a_surrogate_calibration_for_the_generator()
    {
        using (var noCalibration = Monitor(Yaml("judge")))
            Assert.DoesNotContain((await RequestAsync(noCalibration, Aware)).Findings, f => f.Kind == "every-turn");
        using (var otherGenerator = Monitor(Yaml("judge"), surrogate: SurrogateCalibration("claude")))
            Assert.DoesNotContain((await RequestAsync(otherGenerator, Aware)).Findings, f => f.Kind == "every-turn");
        using (var skip = Monitor(Yaml("skip"), surrogate: SurrogateCalibration("gpt-4o-mini")))
            Assert.DoesNotContain((await RequestAsync(skip, Aware)).Findings, f => f.Kind == "every-turn");

        using var judged = Monitor(Yaml("judge"), surrogate: SurrogateCalibration("gpt-4o-mini"));
        var verdict = await RequestAsync(judged, Aware);
        var finding = Assert.Single(verdict.Findings, f => f.Kind == "every-turn");
        Assert.Equal("surrogate", finding.Detail["source"]);
        Assert.DoesNotContain(verdict.Findings, f => f.Kind == FindingKinds.Unjudged);
    }

    [Fact]
    public async Task The_scorers_own_turns_are_judged_by_every_detector()
    {
        using var monitor = Monitor(Yaml());
        var own = new Transcript([Aware[0], Aware[1] with { Model = "words" }]);
        var verdict = await RequestAsync(monitor, own);
        Assert.Equal([new MessageScoring(1, "words", ScoringSource.SameModel)], verdict.Scoring.ToArray());
        Assert.Contains(verdict.Findings, f => f.Kind == "every-turn" && (string)f.Detail["source"] == "same-model");
    }

    [Fact]
    public async Task Each_generator_is_announced_once_with_its_live_and_off_detectors()
    {
        var logger = new ListLogger();
        using var monitor = Monitor(Yaml(), logger);
        var startup = Assert.Single(logger.Named("GeneratorDetectors"));
        Assert.Equal("words", startup["Generator"]);
        Assert.Equal("same-model", startup["ScoringSource"]);
        Assert.Equal("none", startup["OffDetectors"]);

        await RequestAsync(monitor, Aware);
        await RequestAsync(monitor, Aware.Append(TranscriptMessage.User("Again.")));
        var surrogate = Assert.Single(logger.Named("GeneratorDetectors"), e => (string?)e["Generator"] == "gpt-4o-mini");
        Assert.Equal("surrogate", surrogate["ScoringSource"]);
        var off = (string)surrogate["OffDetectors"]!;
        Assert.Contains("off-policy (scored by a surrogate; policy sources says surrogate: skip)", off);
        Assert.Contains("overconfident-span", off);
        Assert.Contains("broken-intention", off);
        Assert.Contains("every-turn", off);
        var live = (string)surrogate["LiveDetectors"]!;
        foreach (var kind in new[] { FindingKinds.SelfEcho, FindingKinds.EvaluationAwareness, FindingKinds.RoleSmuggling }) Assert.Contains(kind, live);
        Assert.Equal(MonitorEventIds.GeneratorDetectors, logger.Events.First(e => e.Id.Name == "GeneratorDetectors").Id.Id);
    }

    [Fact]
    public void A_rule_that_no_detector_can_serve_for_the_configured_generators_is_a_warning()
    {
        var surrogateDefault = new ScoringSourceOptions { DefaultGenerator = "gpt-4o-mini" };
        var logger = new ListLogger();
        using (Monitor(Yaml(kinds: "off-policy, overconfident-span"), logger, sources: surrogateDefault)) { }
        var warning = Assert.Single(logger.Named("RuleCannotFire"));
        Assert.Equal("signature-only", warning["Rule"]);
        Assert.Equal("gpt-4o-mini: surrogate", warning["ScoringSources"]);

        // Kinds some detector serves whatever the source, the scorer's own generator, or judged surrogates: no warning.
        var quiet = new ListLogger();
        using (Monitor(Yaml(kinds: "off-policy, evaluation-awareness"), quiet, sources: surrogateDefault)) { }
        using (Monitor(Yaml(kinds: "off-policy"), quiet)) { }
        using (Monitor(Yaml("judge", kinds: "off-policy"), quiet, SurrogateCalibration("*"), surrogateDefault)) { }
        Assert.Empty(quiet.Named("RuleCannotFire"));
    }

    [Fact]
    public void A_surrogate_calibration_and_a_same_model_one_are_not_interchangeable()
    {
        Assert.Contains("surrogate calibration", Assert.Throws<ArgumentException>(() => new ConversationMonitorOptions { Calibration = SurrogateCalibration("x") }.Validate()).Message);
        Assert.Contains("own text", Assert.Throws<ArgumentException>(() =>
            new ConversationMonitorOptions { SurrogateCalibration = SurrogateCalibration("x") with { SurrogateFor = null } }.Validate()).Message);
    }

    [Theory]
    [InlineData("surrogate: maybe", "unknown surrogate \"maybe\"; expected one of skip, judge")]
    [InlineData("surrogate: [judge]", "surrogate must be one of skip, judge")]
    public void A_bad_surrogate_setting_is_rejected_with_its_line(string line, string expected)
    {
        var yaml = $"name: p\nversion: 1\nmode: fail-open\n{line}\nrules: []\n";
        var error = Assert.Throws<PolicyValidationException>(() => PolicyLoader.Parse(yaml, "p.yaml"));
        Assert.StartsWith("p.yaml:4:", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(SurrogateTurns.Judge, PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nsurrogate: judge\nrules: []\n").Surrogate);
        Assert.Equal(SurrogateTurns.Skip, PolicyLoader.Parse("name: p\nversion: 1\nmode: fail-open\nrules: []\n").Surrogate);
    }

    [Fact]
    public void Log_probabilities_are_asked_only_of_generators_whose_weights_the_scorer_does_not_run()
    {
        using var monitor = Monitor(Yaml(), sources: new ScoringSourceOptions { SameModelIds = ["words-prod"] });
        Assert.Equal(0, monitor.TopLogprobsToRequest(null));          // the scorer's own model
        Assert.Equal(0, monitor.TopLogprobsToRequest("WORDS"));       // its id, in any case
        Assert.Equal(0, monitor.TopLogprobsToRequest("words-prod"));  // a configured alias of the same weights
        Assert.Equal(20, monitor.TopLogprobsToRequest("gpt-4o-mini")); // another model: its own numbers are wanted
    }
}
