using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Enaction.Actions;

/// <summary>
/// What an <see cref="ActionHandler"/> sees and may change while it executes one action of a decision: the call,
/// the verdict, the request about to be sent (request stage) or the response about to be returned (response stage).
/// </summary>
public sealed class ActionContext
{
    private readonly ActionExecutor _executor;
    private IReadOnlyList<ChatMessage> _request;

    internal ActionContext(ActionExecutor executor, IMonitoredExchange exchange, PolicyAction action, TurnVerdict verdict,
        IReadOnlyList<ChatMessage> request, ChatResponse? response, Transcript transcript)
    {
        _executor = executor;
        Exchange = exchange;
        Action = action;
        Verdict = verdict;
        _request = request;
        Response = response;
        Transcript = transcript;
    }

    /// <summary>The call's exchange (judges resample candidates).</summary>
    public IMonitoredExchange Exchange { get; }

    /// <summary>The call: budget, outcomes so far, metadata, block state.</summary>
    public MonitoredCall Call => Exchange.Call;

    /// <summary>The action being executed, as the policy wrote it.</summary>
    public PolicyAction Action { get; }

    /// <summary>The stage (request or response).</summary>
    public PolicyStage Stage => Verdict.Stage;

    /// <summary>The verdict being acted on; a handler that replaces the response replaces it too.</summary>
    public TurnVerdict Verdict { get; set; }

    /// <summary>The findings of the verdict.</summary>
    public IReadOnlyList<Finding> Findings => Verdict.Findings;

    /// <summary>The request: at the request stage, the messages that will be sent (a handler may replace them).</summary>
    public IReadOnlyList<ChatMessage> Request
    {
        get => _request;
        set => _request = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The response at the response stage (a handler may replace it); null at the request stage.</summary>
    public ChatResponse? Response { get; set; }

    /// <summary>The judged transcript.</summary>
    public Transcript Transcript { get; }

    /// <summary>Draws a new response at a temperature; null at the request stage or when the response streamed.</summary>
    public Func<float, CancellationToken, Task<ChatResponse>>? Resample { get; init; }

    /// <summary>The call's temperature (resamples add their delta to it).</summary>
    public float BaseTemperature { get; init; }

    /// <summary>The host's verifiers and escalation callbacks.</summary>
    public VerifierRegistry Verifiers => _executor.Registry;

    /// <summary>The monitor's logger.</summary>
    public ILogger Logger => _executor.Logger;

    internal bool Completed { get; private set; }

    /// <summary>Records what the action did (logged, counted in metrics, kept on the call and in the audit record).</summary>
    /// <param name="outcome">A short stable word (see <see cref="ActionOutcome.Outcomes"/>, or the handler's own).</param>
    /// <param name="detail">More, when there is more to say.</param>
    public void Complete(string outcome, string? detail = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        Completed = true;
        _executor.Done(Call, Verdict, Action, outcome, detail);
    }

    /// <summary>
    /// For actions that shape a response (resample, verify): true when this one has nothing to do here, having said
    /// so at the request stage; a blocked call is skipped without a word (its response is discarded anyway).
    /// </summary>
    internal bool NotForThisResponse()
    {
        if (Stage != PolicyStage.Response)
        {
            Complete(ActionOutcome.Outcomes.NotApplicable, "applies to responses");
            return true;
        }
        return Call.IsBlocked;
    }

    /// <summary>
    /// Blocks the call with <paramref name="block"/> (default: the default replacement), recording the block for
    /// <paramref name="by"/> (default: this verdict). A throwing block beats a replacing one.
    /// </summary>
    public void Block(BlockAction? block = null, TurnVerdict? by = null) =>
        _executor.Block(Call, by ?? Verdict, block ?? new BlockAction(null, false));
}
