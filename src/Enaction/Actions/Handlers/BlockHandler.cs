using Enaction.Policies;

namespace Enaction.Actions.Handlers;

/// <summary><c>block</c>: the model is not called (request) or its response is replaced or raised (response).</summary>
internal sealed class BlockHandler : ActionHandler
{
    public override string Name => PolicyActionNames.Block;

    public override int Strictness => 4;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.Accept("replacement", "throw");
        var shouldThrow = settings.Flag("throw") ?? false;
        var replacement = settings.Text("replacement");
        if (shouldThrow && replacement is not null)
            throw settings.Error("replacement", "block has both replacement and throw: true; expected one of them");
        return new BlockAction(shouldThrow ? null : replacement ?? BlockAction.DefaultReplacement, shouldThrow) { Location = settings.Location };
    }

    public override Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        // The executor records the outcome of a block wherever it comes from (a rule, a failed verifier, a resample).
        context.Block((BlockAction)context.Action);
        return Task.CompletedTask;
    }
}
