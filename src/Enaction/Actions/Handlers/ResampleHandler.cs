using System.Globalization;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Actions.Handlers;

/// <summary><c>resample</c>: draws candidates within the call's budget, judges each, and keeps one (see <see cref="ResampleSelection"/>).</summary>
internal sealed class ResampleHandler : ActionHandler
{
    private static readonly (string Name, ResampleKeep Value)[] KeepModes = [("lowest-risk", ResampleKeep.LowestRisk), ("most-consistent", ResampleKeep.MostConsistent)];

    public override string Name => PolicyActionNames.Resample;

    public override int Strictness => 3;

    public override PolicyAction Read(ActionSettings settings)
    {
        settings.Accept("n", "temperature_delta", "keep");
        var n = settings.WholeNumber("n", 1, PolicyLoader.MaxCount) ?? 3;
        var delta = settings.Number("temperature_delta", -2, 2) ?? 0.0;
        var keep = settings.Choice("keep", "keep mode", KeepModes) ?? ResampleKeep.LowestRisk;
        return new ResampleAction(n, delta, keep) { Location = settings.Location };
    }

    public override async Task ExecuteAsync(ActionContext context, CancellationToken cancellationToken)
    {
        if (context.NotForThisResponse()) return;
        var action = (ResampleAction)context.Action;
        var call = context.Call;
        var response = context.Response!;
        if (call.Streaming || context.Resample is null)
        {
            context.Complete(ActionOutcome.Outcomes.NotApplicable, "the response was streamed to the caller");
            return;
        }
        var granted = call.Budget.TakeResamples(action.Count);
        if (granted == 0)
        {
            context.Complete(ActionOutcome.Outcomes.BudgetExhausted, $"wanted {action.Count}, 0 left");
            return;
        }
        var responses = new List<ChatResponse> { response };
        var verdicts = new List<TurnVerdict> { context.Verdict };
        var requestTranscript = ChatMessageConversion.ToTranscript(context.Request);
        var temperature = Math.Max(0f, context.BaseTemperature + (float)action.TemperatureDelta);
        for (var i = 0; i < granted; i++)
        {
            var candidate = await context.Resample(temperature, cancellationToken).ConfigureAwait(false);
            var transcript = new Transcript(requestTranscript.Messages.AddRange(candidate.Messages.Select(ChatMessageConversion.ToMessage)));
            var trial = await context.Exchange.JudgeCandidateAsync(transcript,
                Enumerable.Range(requestTranscript.Count, candidate.Messages.Count).ToArray(), cancellationToken).ConfigureAwait(false);
            responses.Add(candidate);
            verdicts.Add(trial);
        }
        var chosen = ResampleSelection.Choose(action.Keep, responses.Select(r => r.Text).ToArray(), verdicts);
        var risks = string.Join(" ", verdicts.Select(v => v.Risk.ToString("0.##", CultureInfo.InvariantCulture)));
        if (chosen == 0)
        {
            context.Complete(ActionOutcome.Outcomes.Kept, $"original kept over {granted} resample(s) at temperature {temperature:0.##}; risks {risks}");
            return;
        }
        context.Complete(ActionOutcome.Outcomes.Replaced, $"resample {chosen} of {granted} at temperature {temperature:0.##}; risks {risks}");
        var kept = verdicts[chosen];
        if (kept.Decision.Block is { } block) context.Block(block, kept);
        context.Response = responses[chosen];
        context.Verdict = kept with { Turn = context.Verdict.Turn };
    }
}
