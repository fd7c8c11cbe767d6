using Enaction.Policies;

namespace Enaction.Actions.Handlers;

/// <summary><c>log</c>: records the matched findings (the executor's outcome event is the record).</summary>
internal sealed class LogHandler : ActionHandler
{
    public override string Name => PolicyActionNames.Log;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.NoSettings();
        return new LogAction { Location = settings.Location };
    }

    public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        context.Complete(ActionOutcome.Outcomes.Logged, $"{context.Findings.Count} finding(s)");
        return Task.CompletedTask;
    }
}
