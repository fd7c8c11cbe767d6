using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Actions.Handlers;

/// <summary>
/// <c>verify</c>: asks the host's verifier of that name within the call's budget; a rejection blocks (or annotates),
/// and a failure follows the policy's failure mode.
/// </summary>
internal sealed class VerifyHandler : ActionHandler
{
    private static readonly (string Name, VerifierRejection Value)[] Rejections = [("block", VerifierRejection.Block), ("annotate", VerifierRejection.Annotate)];

    public override string Name => PolicyActionNames.Verify;

    public override int Strictness => 3;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.Accept("verifier", "on_reject");
        var verifier = settings.RequiredText("verifier", "verify: {verifier: NAME}");
        var onReject = settings.Choice("on_reject", "on_reject value", Rejections) ?? VerifierRejection.Block;
        return new VerifyAction(verifier, onReject) { Location = settings.Location };
    }

    public override async Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        if (context.NotForThisResponse()) return;
        var action = (VerifyAction)context.Action;
        var call = context.Call;
        var verdict = context.Verdict;
        var failClosed = verdict.Decision.Mode == FailureMode.FailClosed;
        var verifier = context.Verifiers.FindVerifier(action.Verifier);
        string? problem = null;
        if (verifier is null) problem = $"no verifier named {action.Verifier} is registered";
        else if (!call.Budget.TakeVerification())
        {
            context.Complete(ActionOutcome.Outcomes.BudgetExhausted, action.Verifier);
            if (failClosed) context.Block();
            return;
        }

        VerificationResult? result = null;
        if (verifier is not null)
        {
            try
            {
                var transcript = verdict.Scores?.Transcript ?? Transcript.Empty;
                result = await verifier.VerifyAsync(new VerificationRequest(action.Verifier, transcript, context.Response!.Text, verdict), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                problem = $"{action.Verifier}: {e.GetType().Name}: {e.Message}";
            }
        }
        if (result is null)
        {
            call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "failed";
            context.Complete(ActionOutcome.Outcomes.Failed, problem + (failClosed ? " (fail-closed: blocked)" : " (fail-open: allowed)"));
            if (failClosed) context.Block();
            return;
        }
        if (result.Approved)
        {
            call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "approved";
            context.Complete(ActionOutcome.Outcomes.Approved, $"{action.Verifier}: {result.Reason}");
            return;
        }
        call.Metadata[ResponseMetadata.VerifierPrefix + action.Verifier] = "rejected: " + result.Reason;
        context.Complete(ActionOutcome.Outcomes.Rejected, $"{action.Verifier}: {result.Reason}");
        if (action.OnReject == VerifierRejection.Block) context.Block();
    }
}
