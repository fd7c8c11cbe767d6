using Enaction.Policies;
using Enaction.Transcripts;

namespace Enaction.Monitoring;

/// <summary>One transcript to run through scoring, detection and policy: a request before the model call or a response after it.</summary>
/// <param name="ConversationId">Keys the scoring session, the provenance ledger and the audit record.</param>
/// <param name="Transcript">The whole conversation as the model sees it; for a response, the request plus the generated messages.</param>
/// <param name="Stage">Request (before the call) or response (after it).</param>
internal sealed record MonitoredTurn(string ConversationId, Transcript Transcript, PolicyStage Stage)
{
    /// <summary>The agent name policies can match on.</summary>
    public string? Agent { get; init; }

    /// <summary>The kernel function (prompt function or tool) policies can match on.</summary>
    public string? Function { get; init; }

    /// <summary>The generator's model id, for events and attestations.</summary>
    public string? Model { get; init; }

    /// <summary>The call's sampling temperature and top-p (<see cref="ExchangeRequest.Temperature"/>), each null when not set.</summary>
    public (double? Temperature, double? TopP) Sampler { get; init; }

    /// <summary>Messages this pipeline has just generated (response stage): judged as the model's own and attested when the turn completes.</summary>
    public IReadOnlyList<int> Generated { get; init; } = [];

    /// <summary>The generator's own log-probabilities for generated messages, by message index (response stage).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<Enaction.Scoring.TokenLogprob>> GeneratorLogprobs { get; init; } =
        System.Collections.Immutable.ImmutableDictionary<int, IReadOnlyList<Enaction.Scoring.TokenLogprob>>.Empty;

    /// <summary>
    /// For generated messages that continue a prefill: where the model's own text begins (the prefill's length). Other
    /// generated messages are the model's from their first character.
    /// </summary>
    public IReadOnlyDictionary<int, int>? AuthoredFrom { get; init; }

    /// <summary>
    /// A trial (a resample candidate): scored, detected and decided like any other, but it raises no events, counts no
    /// turn and records nothing.
    /// </summary>
    public bool IsTrial { get; init; }
}
