using System.Collections.Immutable;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Detection;

/// <summary>
/// A broken cached intention: post-trained models settle on what an answer will be before its first token, and a
/// prefill that opens differently sends entropy back up. Judges only real model-authored boundaries: the end of a
/// prefill the generator reported continuing (<see cref="DetectionContext.AuthoredFrom"/> above 0, which the monitor
/// fills from <see cref="Transcripts.GeneratorMetadata.ContinuedPrefill"/>). It compares the mean entropy of the first
/// <see cref="TurnFeatures.FirstTokens"/> tokens after that boundary with the calibrated on-policy baseline, or by
/// default with the rest of the same response. A turn with no reported boundary is never judged: the start of a whole
/// response is the model's own choice, and its first tokens are often its most uncertain ones.
/// </summary>
public sealed class BrokenIntentionDetector(DetectorOptions? options = null) : IDetector
{
    private readonly DetectorOptions _options = options ?? new DetectorOptions();

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.BrokenIntention];

    /// <summary>The entropy of the response's first tokens: any of the token statistics.</summary>
    public DetectorNeeds Needs => DetectorNeeds.Statistics;

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        var transcript = context.Transcript;
        var tokens = context.Scores.Tokens;
        for (var m = 0; m < transcript.Count; m++)
        {
            if (transcript[m].Role != MessageRole.Assistant || !context.Reads(m, Needs)) continue;
            var calibration = context.CalibrationFor(m);
            // A surrogate's numbers are judged only against a baseline fitted for it.
            if (context.SourceOf(m) == ScoringSource.Surrogate && calibration?.BrokenIntention is null) continue;
            var boundary = context.AuthoredFrom.GetValueOrDefault(m);
            if (boundary <= 0) continue;
            var f = context.Features(m);
            if (f is null || f.FirstCount < TurnFeatures.FirstTokens) continue;

            double z, threshold, rise;
            string baseline;
            if (calibration?.BrokenIntention is { } cal && cal.Sd > 0)
            {
                z = (f.FirstEntropy - cal.Mean) / cal.Sd;
                rise = f.FirstEntropy - cal.Mean;
                (threshold, baseline) = (cal.Threshold, "calibrated");
            }
            else
            {
                if (double.IsNaN(f.RestEntropySd) || f.RestEntropySd <= 0 || f.Tokens - f.FirstCount < TurnFeatures.FirstTokens) continue;
                z = (f.FirstEntropy - f.RestEntropy) / (f.RestEntropySd / Math.Sqrt(f.FirstCount));
                rise = f.FirstEntropy - f.RestEntropy;
                (threshold, baseline) = (_options.IntentionThreshold, "rest-of-response");
            }
            if (!(z >= threshold) || !(rise >= _options.IntentionMinRise)) continue;

            // Span: the first tokens after the boundary.
            int start = -1, end = -1, seen = 0;
            foreach (var t in tokens)
            {
                if (t.Message != m || !t.HasScore || t.Start < boundary) continue;
                if (start < 0) start = t.Start;
                end = t.End;
                if (++seen == f.FirstCount) break;
            }
            var detail = ImmutableDictionary<string, object>.Empty
                .Add("baseline", baseline)
                .Add("boundary", boundary)
                .Add("first_entropy", Math.Round(f.FirstEntropy, 4))
                .Add("rise", Math.Round(rise, 4))
                .Add("rest_entropy", double.IsNaN(f.RestEntropy) ? "n/a" : Math.Round(f.RestEntropy, 4));
            findings.Add(new Finding(FindingKinds.BrokenIntention, Severity.Medium,
                z, threshold, m, Math.Max(0, start), Math.Max(0, end), detail));
        }
    }
}
