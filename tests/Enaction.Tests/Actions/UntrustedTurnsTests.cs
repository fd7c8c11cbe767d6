using Enaction.Actions;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;

namespace Enaction.Tests.Actions;

public class UntrustedTurnsTests
{
    [Fact]
    public void Strip_removes_assistant_turns_with_provenance_or_off_policy_findings_only()
    {
        var verdict = new TurnVerdict
        {
            ConversationId = "c",
            Turn = 1,
            Stage = PolicyStage.Request,
            Findings =
            [
                new Finding(FindingKinds.Unattested, Severity.Low, 0, 0, 2, 0, 5),
                new Finding(FindingKinds.SelfEcho, Severity.High, 20, 8, 3, 0, 5),
                new Finding(FindingKinds.OffPolicy, Severity.High, 5, 3, 4, 0, 5),
            ],
            Decision = new PolicyDecision("p", "1", FailureMode.FailOpen, PolicyBudgets.Default, [], []),
            Latency = TimeSpan.Zero,
        };
        var indices = UntrustedTurns.Find(verdict);
        Assert.Equal([2, 4], indices);
        Assert.Equal(["m0", "m1", "m3", "m5"], UntrustedTurns.Remove(["m0", "m1", "m2", "m3", "m4", "m5"], indices));
    }
}
