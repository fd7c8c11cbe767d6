using Enaction.Policies;

namespace Enaction.Actions.Handlers;

/// <summary><c>annotate</c>: attaches the call's findings, their kinds and the action's fixed keys to the response.</summary>
internal sealed class AnnotateHandler : ActionHandler
{
    public override string Name => PolicyActionNames.Annotate;

    public override int Strictness => 1;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.Accept("metadata");
        return new AnnotateAction(settings.TextMapping("metadata")) { Location = settings.Location };
    }

    public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var annotate = (AnnotateAction)context.Action;
        var call = context.Call;
        foreach (var (key, value) in annotate.Metadata) call.Metadata[key] = value;
        var all = call.Verdicts.SelectMany(v => v.Findings).ToList();
        foreach (var f in context.Findings) if (!all.Contains(f)) all.Add(f);
        call.Metadata[ResponseMetadata.Findings] = all;
        call.Metadata[ResponseMetadata.FindingKinds] = string.Join(",", all.Select(f => f.Kind).Distinct());
        context.Complete(ActionOutcome.Outcomes.Annotated, string.Join(", ", annotate.Metadata.Keys.Prepend(ResponseMetadata.Findings)));
        return Task.CompletedTask;
    }
}
