using Enaction.Actions;
using Enaction.Policies;

namespace Enaction.Tests.Actions;

public class CallBudgetTests
{
    [Fact]
    public void Resamples_and_verifications_are_granted_up_to_the_policy_budget()
    {
        var budget = new CallBudget(new PolicyBudgets(3, 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, budget.TakeResamples(2));
        Assert.Equal(1, budget.TakeResamples(5));
        Assert.Equal(0, budget.TakeResamples(1));
        Assert.True(budget.TakeVerification());
        Assert.False(budget.TakeVerification());
    }
}
