using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;

namespace Enaction.Tests.Actions;

public class ResampleSelectionTests
{
    private static TurnVerdict Verdict(params Finding[] findings) => new()
    {
        ConversationId = "c",
        Turn = 1,
        Stage = PolicyStage.Response,
        Findings = findings,
        Decision = new PolicyDecision("p", "1", FailureMode.FailOpen, PolicyBudgets.Default, [], []),
        Latency = TimeSpan.Zero,
    };

    private static Finding High(double score) => new(FindingKinds.OffPolicy, Severity.High, score, 3, 2, 0, 10);

    [Fact]
    public void Lowest_risk_keeps_the_candidate_with_the_weakest_findings_and_the_original_on_a_tie()
    {
        Assert.Equal(2, ResampleSelection.Choose(ResampleKeep.LowestRisk, ["a", "b", "c"], [Verdict(High(9)), Verdict(High(6)), Verdict()]));
        Assert.Equal(0, ResampleSelection.Choose(ResampleKeep.LowestRisk, ["a", "b"], [Verdict(), Verdict()]));
    }

    [Fact]
    public void Most_consistent_keeps_the_candidate_closest_to_the_others()
    {
        string[] texts = ["the bridge is old and stone", "the bridge is old", "bananas are yellow fruit"];
        Assert.Equal(0, ResampleSelection.Choose(ResampleKeep.MostConsistent, texts, [Verdict(), Verdict(), Verdict()]));
    }
}
