using Enaction.Policies;

namespace Enaction.Actions;

/// <summary>What one executed action did: <c>strip</c> "removed 1 message", <c>verify</c> "rejected", and so on.</summary>
/// <param name="Stage">The stage it ran at.</param>
/// <param name="Action">The action's name as policy files write it (<see cref="PolicyActionNames"/>, or a host's own).</param>
/// <param name="Outcome">A short outcome word or phrase (see <see cref="Outcomes"/>).</param>
/// <param name="Detail">More, when there is more to say.</param>
public sealed record ActionOutcome(PolicyStage Stage, string Action, string Outcome, string? Detail = null)
{
    /// <summary>The action's kind: a built-in one, or <see cref="PolicyActionKind.Custom"/>.</summary>
    public PolicyActionKind Kind => PolicyActionNames.KindOf(Action);

    /// <summary>Outcome words, stable for queries.</summary>
    public static class Outcomes
    {
        /// <summary>Findings were logged.</summary>
        public const string Logged = "logged";
        /// <summary>Metadata was attached.</summary>
        public const string Annotated = "annotated";
        /// <summary>Untrusted turns were removed from the request.</summary>
        public const string Stripped = "stripped";
        /// <summary>Nothing needed doing.</summary>
        public const string NothingToDo = "nothing-to-do";
        /// <summary>A candidate replaced the response.</summary>
        public const string Replaced = "replaced";
        /// <summary>The original response was kept.</summary>
        public const string Kept = "kept";
        /// <summary>The verifier approved.</summary>
        public const string Approved = "approved";
        /// <summary>The verifier rejected.</summary>
        public const string Rejected = "rejected";
        /// <summary>The response was replaced by the block text.</summary>
        public const string Blocked = "blocked";
        /// <summary>The caller receives <see cref="EnactionBlockedException"/>.</summary>
        public const string Raised = "raised";
        /// <summary>The escalation callback ran.</summary>
        public const string Escalated = "escalated";
        /// <summary>The per-call budget was spent.</summary>
        public const string BudgetExhausted = "budget-exhausted";
        /// <summary>The action does not apply at this stage or on this path.</summary>
        public const string NotApplicable = "not-applicable";
        /// <summary>The action failed; the policy's failure mode decided what happened next.</summary>
        public const string Failed = "failed";
    }
}
