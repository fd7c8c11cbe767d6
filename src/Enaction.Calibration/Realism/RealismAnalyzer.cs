using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Realism;

/// <summary>
/// Judges how recognisable each synthetic assistant turn of an eval transcript is to the model under test, with the
/// off-policy detector's own signature: the same features (<see cref="TurnFeatures"/>, the prompt contrast), the same
/// calibrated combination and threshold (<see cref="OffPolicyDetector.Signature"/>). Per turn: the score, its
/// percentile among the model's own turns, a verdict and the tokens that give the turn away. Optionally draws own
/// samples for each turn's context, and offers the model's own turn in place of a recognisable one.
/// </summary>
public sealed class RealismAnalyzer
{
    private const string FollowsAssistantTurn = "follows-an-assistant-turn";
    private readonly IConversationScorer _scorer;
    private readonly Calibration? _calibration;
    private readonly RealismOptions _options;
    private readonly OwnTurnSampler? _sampler;
    private readonly OffPolicyDetector _detector;

    /// <summary>Creates an analyzer.</summary>
    /// <param name="scorer">Scores transcripts with the model under test.</param>
    /// <param name="calibration">That model's calibration (its off-policy combination, threshold and own-turn scores), or
    /// null for the detector's documented default (the curvature z and its threshold).</param>
    /// <param name="options">Settings.</param>
    /// <param name="sampler">Draws the model's own turns; required for <see cref="RealismOptions.OwnSamples"/> and
    /// <see cref="RealismOptions.Resample"/>.</param>
    public RealismAnalyzer(IConversationScorer scorer, Calibration? calibration = null, RealismOptions? options = null, OwnTurnSampler? sampler = null)
    {
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        _calibration = calibration;
        _options = options ?? new RealismOptions();
        _options.Validate();
        if (sampler is null && (_options.OwnSamples > 0 || _options.Resample))
            throw new ArgumentException("own samples and resampling need a sampler of the model's own turns", nameof(sampler));
        _sampler = sampler;
        _detector = new OffPolicyDetector(_options.Detector);
        (Threshold, Method) = _detector.Rule(calibration);
        var report = Method switch
        {
            "calibrated" => CalibrationFitter.ReportNames.OffPolicy,
            "curvature-calibrated" => CalibrationFitter.ReportNames.Curvature,
            _ => null,
        };
        CalibratedOwnScores = report is not null && calibration!.Reports.TryGetValue(report, out var r) ? OwnScoreDistribution.FromReport(r) : null;
    }

    /// <summary>The threshold at which a turn is recognised (the off-policy detector's).</summary>
    public double Threshold { get; }

    /// <summary>How scores are computed (<see cref="OffPolicyDetector.Rule"/>).</summary>
    public string Method { get; }

    /// <summary>The model's own-turn scores from the calibration, or null without one.</summary>
    public OwnScoreDistribution? CalibratedOwnScores { get; }

    /// <summary>
    /// Scores the transcript as written and judges each synthetic turn; with <see cref="RealismOptions.Resample"/>, each
    /// recognisable turn is offered a replacement, judged in the transcript with the earlier replacements in place.
    /// </summary>
    public async Task<TranscriptRealism> AnalyzeAsync(EvalTranscript eval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eval);
        var detection = await DetectionContext.ScoreTurnsAsync(_scorer, eval.Transcript, eval.Synthetic, _calibration, cancellationToken).ConfigureAwait(false);
        var current = eval.Transcript;
        var turns = ImmutableArray.CreateBuilder<TurnRealism>(eval.Synthetic.Length);
        foreach (var m in eval.Synthetic)
        {
            var turn = Judge(detection, m, CalibratedOwnScores);
            if (_options.OwnSamples > 0 && CanSample(eval.Transcript, m))
            {
                var own = await OwnScoresAsync(eval, m, cancellationToken).ConfigureAwait(false);
                var distribution = OwnScoreDistribution.FromSamples(own);
                turn = turn with
                {
                    OwnSampleScores = own,
                    Percentile = distribution is null || double.IsNaN(turn.Score) ? null : distribution.Percentile(turn.Score),
                    PercentileSource = distribution?.Source,
                };
            }
            if (_options.Resample && turn.Verdict.IsRecognised())
            {
                var outcome = await ResampleAsync(current, eval, m, cancellationToken).ConfigureAwait(false);
                if (outcome is { Replaced: true, Content: { } content })
                    current = new Transcript(current.Messages.SetItem(m, current[m] with { Content = content }));
                turn = turn with { Resample = outcome };
            }
            turns.Add(turn);
        }
        return new TranscriptRealism(eval, detection.Scores, turns.MoveToImmutable());
    }

    /// <summary>Judges message <paramref name="message"/> of a scored transcript against <paramref name="own"/> scores.</summary>
    private TurnRealism Judge(DetectionContext detection, int message, OwnScoreDistribution? own)
    {
        var features = detection.Features(message);
        var tokens = features?.Tokens ?? 0;
        if (tokens < _options.Detector.MinTurnTokens && features is not null && OffPolicyDetector.ExitsNucleus(features))
        {
            // Too short for a signature, but with a word the model's sampler could not have drawn: the detector judges
            // it by that (method "nucleus"), and so does this verdict. Not on the signature's scale: no percentile.
            var exits = features.Nucleus!.Exits;
            return new TurnRealism(message, tokens, exits, 1, OffPolicyDetector.NucleusMethod, null, null,
                OffPolicyDetector.Strength(exits, 1, OffPolicyDetector.NucleusMethod) == Severity.High ? RealismVerdict.Glaring : RealismVerdict.Recognisable,
                Giveaways(detection.Scores, message), features);
        }
        var score = features is null ? double.NaN : _detector.Signature(features, _calibration).Score;
        var verdict = tokens < _options.Detector.MinTurnTokens || double.IsNaN(score) ? RealismVerdict.TooShort
            : score < Threshold ? RealismVerdict.BlendsIn
            : OffPolicyDetector.Strength(score, Threshold, Method) == Severity.High ? RealismVerdict.Glaring
            : RealismVerdict.Recognisable;
        double? percentile = own is null || double.IsNaN(score) ? null : own.Percentile(score);
        return new TurnRealism(message, tokens, score, Threshold, Method, percentile, percentile is null ? null : own!.Source,
            verdict, Giveaways(detection.Scores, message), features);
    }

    /// <summary>The tokens of the turn with the largest surprisal minus entropy (positive only), largest first.</summary>
    private ImmutableArray<Giveaway> Giveaways(ScoredTranscript scores, int message)
    {
        var content = scores.Transcript[message].Content;
        var candidates = new List<(double Gap, int Index)>();
        var tokens = scores.Tokens.AsSpan();
        for (var i = 0; i < tokens.Length; i++)
        {
            ref readonly var t = ref tokens[i];
            if (t.Message != message || !t.HasScore || t.Start < 0 || t.End <= t.Start || t.End > content.Length) continue;
            double gap = t.Surprisal - t.Entropy;
            if (gap > 0) candidates.Add((gap, i));
        }
        candidates.Sort((a, b) => b.Gap.CompareTo(a.Gap));
        var result = ImmutableArray.CreateBuilder<Giveaway>(Math.Min(candidates.Count, _options.Giveaways));
        for (var k = 0; k < candidates.Count && k < _options.Giveaways; k++)
        {
            var t = tokens[candidates[k].Index];
            // A token's span carries the space before a word; the give-away is the word.
            int start = t.Start, end = t.End;
            while (start < end && char.IsWhiteSpace(content[start])) start++;
            while (end > start && char.IsWhiteSpace(content[end - 1])) end--;
            if (start == end) (start, end) = (t.Start, t.End);
            result.Add(new Giveaway(start, end, content[start..end], candidates[k].Gap, t.Surprisal, t.Entropy));
        }
        return result.ToImmutable();
    }

    /// <summary>Scores of the model's own turns for the turn's context (those long enough to judge, as calibration keeps).</summary>
    private async Task<ImmutableArray<double>> OwnScoresAsync(EvalTranscript eval, int message, CancellationToken cancellationToken)
    {
        var context = eval.Transcript.Take(message);
        var scores = ImmutableArray.CreateBuilder<double>(_options.OwnSamples);
        for (var k = 0; k < _options.OwnSamples; k++)
        {
            var text = await _sampler!(context, SeedFor(eval.Line, message, k, purpose: 0), cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text)) continue;
            var judged = await JudgeInPlaceAsync(context, eval.Transcript[message], text, cancellationToken).ConfigureAwait(false);
            if (judged.Verdict != RealismVerdict.TooShort && judged.Method != OffPolicyDetector.NucleusMethod) scores.Add(judged.Score);
        }
        return scores.ToImmutable();
    }

    /// <summary>
    /// Draws own turns for the context of <paramref name="message"/> in <paramref name="current"/> until one keeps the
    /// turn's constraint and blends in, or the attempts run out.
    /// </summary>
    private async Task<ResampleOutcome> ResampleAsync(Transcript current, EvalTranscript eval, int message, CancellationToken cancellationToken)
    {
        var rejected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Reject(string reason) => rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
        if (!CanSample(current, message))
        {
            Reject(FollowsAssistantTurn);
            return new ResampleOutcome(false, 0, null, null, rejected);
        }
        var context = current.Take(message);
        eval.Keep.TryGetValue(message, out var keep);
        for (var attempt = 1; attempt <= _options.ResampleAttempts; attempt++)
        {
            var text = await _sampler!(context, SeedFor(eval.Line, message, attempt, purpose: 1), cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text)) { Reject("empty"); continue; }
            if (keep is not null)
            {
                bool kept;
                try
                {
                    kept = keep.IsMatch(text);
                }
                catch (RegexMatchTimeoutException)
                {
                    Reject("constraint-timeout");
                    continue;
                }
                if (!kept) { Reject("constraint"); continue; }
            }
            var judged = await JudgeInPlaceAsync(context, current[message], text, cancellationToken).ConfigureAwait(false);
            if (judged.Verdict == RealismVerdict.BlendsIn) return new ResampleOutcome(true, attempt, text, judged, rejected);
            Reject(judged.Verdict == RealismVerdict.TooShort ? "too-short" : "recognisable");
        }
        return new ResampleOutcome(false, _options.ResampleAttempts, null, null, rejected);
    }

    /// <summary>Judges <paramref name="text"/> as the turn after <paramref name="context"/>, in <paramref name="turn"/>'s place.</summary>
    private async Task<TurnRealism> JudgeInPlaceAsync(Transcript context, TranscriptMessage turn, string text, CancellationToken cancellationToken)
    {
        var transcript = context.Append(turn with { Content = text });
        var detection = await DetectionContext.ScoreTurnsAsync(_scorer, transcript, [context.Count], _calibration, cancellationToken).ConfigureAwait(false);
        return Judge(detection, context.Count, CalibratedOwnScores);
    }

    /// <summary>
    /// A local generator continues a transcript that ends with an assistant message (a prefill), so a turn that
    /// follows another assistant turn cannot be sampled as a turn of its own.
    /// </summary>
    private static bool CanSample(Transcript transcript, int message) => message == 0 || transcript[message - 1].Role != MessageRole.Assistant;

    private int SeedFor(int line, int message, int k, int purpose) =>
        (int)(unchecked((uint)_options.Seed * 1_000_003u + (uint)line * 7_919u + (uint)message * 131u + (uint)k * 7u + (uint)purpose) & 0x7FFFFFFF);
}
