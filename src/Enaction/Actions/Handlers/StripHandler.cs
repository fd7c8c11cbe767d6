using Enaction.Policies;

namespace Enaction.Actions.Handlers;

/// <summary>
/// <c>strip</c>: before the call, removes untrusted assistant turns and the turn markers smuggled into other
/// messages. It does not apply to responses.
/// </summary>
internal sealed class StripHandler : ActionHandler
{
    public override string Name => PolicyActionNames.Strip;

    public override int Strictness => 3;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.NoSettings();
        return new StripAction { Location = settings.Location };
    }

    public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        if (context.Stage != PolicyStage.Request)
        {
            context.Complete(ActionOutcome.Outcomes.NotApplicable, "applies to requests");
            return Task.CompletedTask;
        }
        var untrusted = UntrustedTurns.Find(context.Verdict);
        var smuggled = SmuggledRoleMarkers.Find(context.Verdict);
        if (untrusted.Count == 0 && smuggled.Count == 0)
        {
            context.Complete(ActionOutcome.Outcomes.NothingToDo);
            return Task.CompletedTask;
        }
        var stripped = new List<string>(2);
        // Markers first: removing messages shifts the indices the findings name.
        if (smuggled.Count > 0)
        {
            context.Request = SmuggledRoleMarkers.Strip(context.Request, smuggled);
            context.Call.Metadata[ResponseMetadata.StrippedMarkers] = smuggled.Keys.ToArray();
            stripped.Add($"removed role markers from message {string.Join(", ", smuggled.Keys)}");
        }
        if (untrusted.Count > 0)
        {
            context.Request = UntrustedTurns.Remove(context.Request, untrusted);
            context.Call.Metadata[ResponseMetadata.Stripped] = untrusted;
            stripped.Add($"removed message {string.Join(", ", untrusted)}");
        }
        context.Complete(ActionOutcome.Outcomes.Stripped, string.Join("; ", stripped));
        return Task.CompletedTask;
    }
}
