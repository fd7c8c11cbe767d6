using Enaction.Monitoring;
using Enaction.Policies;

namespace Enaction.Actions.Handlers;

/// <summary><c>escalate</c>: calls the host's escalation callback of that name and raises an event.</summary>
internal sealed class EscalateHandler : ActionHandler
{
    public override string Name => PolicyActionNames.Escalate;

    public override int Strictness => 2;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.Accept("callback");
        return new EscalateAction(settings.RequiredText("callback", "escalate: {callback: NAME}")) { Location = settings.Location };
    }

    public override async Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var escalate = (EscalateAction)context.Action;
        var callback = context.Verifiers.FindEscalation(escalate.Callback);
        if (callback is null)
        {
            context.Complete(ActionOutcome.Outcomes.Failed, $"no escalation callback named {escalate.Callback} is registered");
            return;
        }
        var verdict = context.Verdict;
        MonitorEvents.Escalated(context.Logger, verdict.Turn, verdict.ConversationId, escalate.Callback, ActionExecutor.Kinds(verdict.Findings));
        try
        {
            await callback(new EscalationContext(escalate.Callback, verdict, context.Transcript), cancellationToken).ConfigureAwait(false);
            context.Complete(ActionOutcome.Outcomes.Escalated, escalate.Callback);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            context.Complete(ActionOutcome.Outcomes.Failed, $"{escalate.Callback}: {e.Message}");
        }
    }
}
