using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Enaction.Detection;
using Enaction.Monitoring;
using Enaction.Policies;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Conformal;

/// <summary>
/// The monitor's side of the conformal thresholds: which own turns get the prompt contrast's second pass, their
/// off-policy scores (computed from the same scoring as the turn's verdict, as the detector scores a judged turn), the
/// threshold in force for a call, and the completed own turns offered to the reservoir.
/// </summary>
internal sealed class OwnTurnScoring(ConformalThresholds thresholds, OffPolicyDetector? detector, string scorer)
{
    public ConformalThresholds Thresholds { get; } = thresholds;

    /// <summary>The settings in force: the policy's <c>conformal:</c> block, else the monitor's; null when off.</summary>
    public ConformalOptions? OptionsFor(Policy policy, ConformalOptions? fallback) => detector is null ? null : policy.Conformal ?? fallback;

    public OwnScoreKey Key(string? model, string? agent, Calibration? calibration) =>
        new(model ?? "", agent ?? "", ConformalThresholds.ScoreSpace(calibration, scorer));

    /// <summary>The generated messages that are whole own assistant turns.</summary>
    private static IEnumerable<int> OwnTurns(Transcript transcript, IReadOnlyList<int> generated, IReadOnlyDictionary<int, int> authoredFrom)
    {
        foreach (var m in generated)
            if (m >= 0 && m < transcript.Count && transcript[m].Role == MessageRole.Assistant && authoredFrom.GetValueOrDefault(m) == 0)
                yield return m;
    }

    /// <summary>
    /// The own turns of a response that get the prompt contrast's second pass: a seeded sample at the contrast rate, and
    /// none when the score does not read the contrast (no calibrated combination).
    /// </summary>
    public IEnumerable<int> ContrastSample(string conversationId, int turn, Transcript transcript, IReadOnlyList<int> generated,
        IReadOnlyDictionary<int, int> authoredFrom, ConformalOptions options, Calibration? calibration)
    {
        if (calibration?.OffPolicy is null) yield break;
        foreach (var m in OwnTurns(transcript, generated, authoredFrom))
            if (Sampled(options.Seed, conversationId, turn, m, options.ContrastSampleRate)) yield return m;
    }

    private static bool Sampled(ulong seed, string conversationId, int turn, int message, double rate)
    {
        if (rate >= 1) return true;
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{conversationId}\n{turn}\n{message}"), digest);
        return BitConverter.ToUInt64(digest) / (double)ulong.MaxValue < rate;
    }

    /// <summary>
    /// Off-policy scores of the whole own turns among <paramref name="generated"/> with at least the signature's minimum
    /// of tokens, as the detector would score them were they judged; with a calibrated combination only turns that got
    /// the contrast's second pass count, so every score in a reservoir is computed alike.
    /// </summary>
    public IReadOnlyDictionary<int, double> Score(ScoredTranscript scores, IReadOnlyDictionary<int, ScoredTranscript>? contrasts,
        IReadOnlyList<int> generated, IReadOnlyDictionary<int, int> authoredFrom, Calibration? calibration)
    {
        if (detector is null) return ImmutableDictionary<int, double>.Empty;
        var result = ImmutableDictionary.CreateBuilder<int, double>();
        foreach (var m in OwnTurns(scores.Transcript, generated, authoredFrom))
        {
            ScoredTranscript? contrast = null;
            if (calibration?.OffPolicy is not null && (contrasts is null || !contrasts.TryGetValue(m, out contrast))) continue;
            var features = TurnFeatures.Compute(scores, m, contrast: contrast);
            if (features is null || features.Tokens < detector.Options.MinTurnTokens) continue;
            var score = detector.Signature(features, calibration).Score;
            if (double.IsFinite(score)) result[m] = score;
        }
        return result.ToImmutable();
    }

    /// <summary>The conformal threshold for a call, or null while the shipped one applies.</summary>
    public Task<ConformalThreshold?> ThresholdAsync(OwnScoreKey key, ConformalOptions options, Calibration? calibration, CancellationToken cancellationToken) =>
        Thresholds.ThresholdAsync(key, options, detector!.Rule(calibration).Threshold, cancellationToken);

    /// <summary>
    /// Offers the own turns the call returned unchanged (<paramref name="generated"/> in <paramref name="completed"/>)
    /// whose scores its final response verdict holds; a resampled or edited answer has none.
    /// </summary>
    public async Task ObserveAsync(TurnVerdict? verdict, Transcript completed, IReadOnlyList<int> generated, OwnScoreKey key,
        ConformalOptions options, Calibration? calibration, CancellationToken cancellationToken)
    {
        if (verdict?.Scores is not { } scored || verdict.OwnTurnScores.Count == 0) return;
        var shipped = detector!.Rule(calibration).Threshold;
        foreach (var (m, score) in verdict.OwnTurnScores.OrderBy(p => p.Key))
        {
            var content = scored.Transcript[m].Content;
            var returned = false;
            foreach (var g in generated)
                if (g >= 0 && g < completed.Count && completed[g].Role == MessageRole.Assistant && completed[g].Content == content) returned = true;
            if (returned) await Thresholds.ObserveAsync(key, score, options, shipped, cancellationToken).ConfigureAwait(false);
        }
    }
}
