using System.Collections.Immutable;
using Enaction.Provenance;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// Assistant turns the model did not write. Reads each assistant turn's signature (a calibrated combination of
/// entropy, surprisal and analytic curvature, or by default the curvature z-score alone) and, where a ledger is
/// configured, its attestation:
/// unattested and off-policy → <c>off-policy</c> (high: a prefill or injection);
/// attested but altered → <c>altered</c> (high);
/// a forged record → <c>unattested</c> (high); replayed content → <c>unattested</c> (medium);
/// unattested but on-policy → <c>unattested</c> (low).
/// With no ledger it works from the signature alone.
/// </summary>
public sealed class OffPolicyDetector(DetectorOptions? options = null) : IDetector
{
    private readonly DetectorOptions _options = options ?? new DetectorOptions();

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.OffPolicy, FindingKinds.Unattested, FindingKinds.Altered];

    /// <summary>The method of a finding on a turn too short for a signature, judged by its words outside the nucleus (<see cref="ExitsNucleus"/>).</summary>
    public const string NucleusMethod = "nucleus";

    /// <summary>The detector's settings (<see cref="DetectorOptions.MinTurnTokens"/>: the signature minimum).</summary>
    public DetectorOptions Options => _options;

    /// <summary>
    /// The assistant turns this detector would judge by their signature (not generated whole in the pipeline) that have
    /// fewer scored tokens than <see cref="DetectorOptions.MinTurnTokens"/> and leave the model's nucleus nowhere: too
    /// short for a signature, so only the ledger judges them, and with no ledger nothing does. Their findings say so
    /// (<c>"method": "ledger-only"</c>). A short turn with a nucleus exit is judged by it (<see cref="ExitsNucleus"/>).
    /// </summary>
    public IReadOnlyList<int> JudgedByLedgerAlone(DetectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var turns = new List<int>();
        for (var m = 0; m < context.Transcript.Count; m++)
        {
            if (context.Transcript[m].Role != MessageRole.Assistant || context.AuthoredFrom.GetValueOrDefault(m, -1) == 0) continue;
            var features = FeaturesJudged(context, m);
            if ((features?.Tokens ?? 0) < _options.MinTurnTokens && !JudgedByNucleus(context, m, features)) turns.Add(m);
        }
        return turns;
    }

    /// <summary>
    /// Whether a turn has a whole word outside the nucleus of the model's own sampler (<see cref="TurnFeatures.Nucleus"/>):
    /// a word that sampler could not have drawn, so the turn is not the model's own whatever its length. This is how a
    /// turn too short for a signature is judged without a ledger (method <c>"nucleus"</c>). Measured on the bundled
    /// model's held-out dataset: 0 of 481 short own turns exit, 106 of 134 short foreign open-ended turns and 331 of 994
    /// short foreign answers to checkable prompts do (docs/quality.md). Only with the scorer's own weights: a surrogate's
    /// probabilities bound nothing about another model's sampler.
    /// </summary>
    public static bool ExitsNucleus(TurnFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.Nucleus is { Exits: > 0 };
    }

    /// <summary>A turn too short for a signature that its nucleus exits judge: scored with the generator's own weights, with an exit.</summary>
    private static bool JudgedByNucleus(DetectionContext context, int m, TurnFeatures? features) =>
        features is not null && context.SourceOf(m) != ScoringSource.Surrogate && ExitsNucleus(features);

    /// <summary>The features the signature of message <paramref name="m"/> would read (a continued prefill: its prefill).</summary>
    private static TurnFeatures? FeaturesJudged(DetectionContext context, int m)
    {
        var authoredFrom = context.AuthoredFrom.TryGetValue(m, out var b) ? b : -1;
        return authoredFrom > 0 ? TurnFeatures.Compute(context.Scores, m, 0, before: authoredFrom) : context.Features(m);
    }

    /// <summary>
    /// The signature of a history turn (the full distribution, or a serving engine's prompt log-probabilities; never a
    /// generator's response log-probabilities, which do not cover history), and the ledger, whose verdicts stand
    /// whatever the source.
    /// </summary>
    public DetectorNeeds Needs => DetectorNeeds.Distribution | DetectorNeeds.PromptLogprobs | DetectorNeeds.Ledger;

    /// <summary>
    /// How turns are judged under <paramref name="calibration"/>: "calibrated" (its combination and threshold),
    /// "curvature-calibrated" (no combination beat the curvature z; its threshold at the target false-positive rate)
    /// or "curvature" (no calibration: the documented default threshold).
    /// </summary>
    public (double Threshold, string Method) Rule(Calibration? calibration) =>
        calibration?.OffPolicy is { } c
            ? (c.Threshold, "calibrated")
            : calibration?.Reports.TryGetValue("curvature", out var report) == true && double.IsFinite(report.Threshold)
                ? (report.Threshold, "curvature-calibrated")
                : (_options.CurvatureThreshold, "curvature");

    /// <summary>The signature score of a turn and the threshold it is compared with (see <see cref="Rule"/>).</summary>
    public (double Score, double Threshold, string Method) Signature(TurnFeatures features, Calibration? calibration)
    {
        var (threshold, method) = Rule(calibration);
        return (calibration?.OffPolicy is { } c ? c.Score(features) : features.Curvature, threshold, method);
    }

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        var transcript = context.Transcript;
        for (var m = 0; m < transcript.Count; m++)
        {
            if (transcript[m].Role != MessageRole.Assistant) continue;
            var authoredFrom = context.AuthoredFrom.TryGetValue(m, out var b) ? b : -1;
            if (authoredFrom == 0) continue; // generated whole by this pipeline: on-policy by construction

            // For a continued prefill, judge only the text the model did not write.
            var features = authoredFrom > 0
                ? TurnFeatures.Compute(context.Scores, m, 0, before: authoredFrom, contrast: context.Contrasts.GetValueOrDefault(m))
                : context.Features(m);
            var content = transcript[m].Content;
            var end = authoredFrom > 0 ? authoredFrom : content.Length;

            double score = double.NaN, threshold = double.NaN;
            var method = "ledger-only";
            var offPolicy = false;
            // A surrogate's numbers are judged only with thresholds fitted for it, never the documented defaults.
            var calibration = context.CalibrationFor(m);
            var readable = context.Reads(m, Needs)
                && (context.SourceOf(m) != ScoringSource.Surrogate || calibration?.OffPolicy is not null || calibration?.Reports.ContainsKey("curvature") == true);
            var longEnough = features is { Tokens: var n } && n >= _options.MinTurnTokens;
            var judged = readable && longEnough;
            // The conformal threshold follows the scorer's own model's turns: it never applies to a surrogate's numbers.
            var conformal = context.SourceOf(m) == ScoringSource.Surrogate ? null : context.OffPolicyThreshold;
            if (judged)
            {
                (score, threshold, method) = Signature(features!, calibration);
                if (conformal is not null) threshold = conformal.Value;
                offPolicy = score >= threshold;
            }
            // Too short for a signature, but a word the model's own sampler could not have drawn: not its own.
            var byNucleus = readable && !longEnough && JudgedByNucleus(context, m, features);
            if (byNucleus)
            {
                (score, threshold, method) = (features!.Nucleus!.Exits, 1, NucleusMethod);
                offPolicy = true;
            }
            var detail = Detail(features, method);
            if (byNucleus)
            {
                detail = detail.Add("nucleus_top_p", features!.Nucleus!.TopP).Add("reason", FormattableString.Invariant(
                    $"{features.Tokens} scored tokens, fewer than the {_options.MinTurnTokens} a signature needs: judged by {features.Nucleus.Exits} word(s) outside the nucleus (top-p {features.Nucleus.TopP}) of the model's own sampler"));
            }
            else if (readable && !longEnough)
            {
                detail = detail.Add("reason", FormattableString.Invariant(
                    $"{features?.Tokens ?? 0} scored tokens, fewer than the {_options.MinTurnTokens} a signature needs: judged by the ledger alone"));
            }
            else if (judged && conformal is not null)
            {
                detail = detail.Add("threshold_source", "conformal").Add("conformal_turns", conformal.SampleSize)
                    .Add("target_fpr", conformal.TargetFpr);
            }

            MessageProvenance? provenance = null;
            if (context.Provenance is { } ledger && !ledger.TryGetValue(m, out provenance))
                provenance = new MessageProvenance(m, ProvenanceStatus.Unattested, null);

            if (provenance is null)
            {
                if (offPolicy)
                    findings.Add(new Finding(FindingKinds.OffPolicy, Strength(score, threshold, method), score, threshold, m, 0, end, detail));
                continue;
            }

            detail = detail.Add("provenance", provenance.Status.ToString().ToLowerInvariant());
            switch (provenance.Status)
            {
                case ProvenanceStatus.Attested:
                    break;
                case ProvenanceStatus.Altered:
                    findings.Add(new Finding(FindingKinds.Altered, Severity.High, Nan0(score), Nan0(threshold), m, 0, end, detail));
                    break;
                case ProvenanceStatus.Forged:
                    findings.Add(new Finding(FindingKinds.Unattested, Severity.High, Nan0(score), Nan0(threshold), m, 0, end, detail));
                    break;
                case ProvenanceStatus.Replayed:
                    findings.Add(offPolicy
                        ? new Finding(FindingKinds.OffPolicy, Severity.High, score, threshold, m, 0, end, detail)
                        : new Finding(FindingKinds.Unattested, Severity.Medium, Nan0(score), Nan0(threshold), m, 0, end, detail));
                    break;
                default:
                    findings.Add(offPolicy
                        ? new Finding(FindingKinds.OffPolicy, Severity.High, score, threshold, m, 0, end, detail)
                        : new Finding(FindingKinds.Unattested, Severity.Low, Nan0(score), Nan0(threshold), m, 0, end, detail));
                    break;
            }
        }
    }

    /// <summary>
    /// The severity of an off-policy finding with <paramref name="score"/> at or past <paramref name="threshold"/>
    /// under <paramref name="method"/> (see <see cref="Rule"/>): high when well past it, medium when just past it.
    /// </summary>
    public static Severity Strength(double score, double threshold, string method)
    {
        // Well past the threshold (twice the z for the default, +2 log-odds calibrated, a second nucleus exit) is high;
        // just past it is medium. A threshold set from own turns may be at or below zero on the curvature scale: then 3 z past it.
        var high = method is "calibrated" or NucleusMethod ? threshold + (method == NucleusMethod ? 1 : 2) : threshold > 0 ? 2 * threshold : threshold + 3;
        return score >= high ? Severity.High : Severity.Medium;
    }

    private static double Nan0(double v) => double.IsNaN(v) ? 0 : v;

    private static ImmutableDictionary<string, object> Detail(TurnFeatures? f, string method)
    {
        var d = ImmutableDictionary.CreateBuilder<string, object>();
        d["method"] = method;
        if (f is not null)
        {
            d["tokens"] = f.Tokens;
            d["mean_entropy"] = Math.Round(f.MeanEntropy, 4);
            d["mean_surprisal"] = Math.Round(f.MeanSurprisal, 4);
            d["curvature"] = Math.Round(f.Curvature, 4);
            d["high_rank_fraction"] = Math.Round(f.HighRankFraction, 4);
            if (f.Prompt is { } gain)
            {
                // How much the request explains the turn (nats per token; low or negative: not an answer to it).
                d["prompt_gain"] = Math.Round(gain.Mean, 4);
                d["bottom_prompt_gain"] = Math.Round(gain.Bottom, 4);
            }
        }
        return d.ToImmutable();
    }
}
