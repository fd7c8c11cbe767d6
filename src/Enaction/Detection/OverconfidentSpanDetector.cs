using System.Collections.Immutable;
using Enaction.Scoring;

namespace Enaction.Detection;

/// <summary>
/// Windows of the model's own content tokens whose entropy sits far below its on-policy baseline: where the model is
/// surest of what it authors, and where errors compound unchecked (policies route these to an outside check).
/// The baseline is the calibrated on-policy content-token entropy, or by default the self-authored content tokens of
/// the same transcript.
/// </summary>
public sealed class OverconfidentSpanDetector(DetectorOptions? options = null) : IDetector
{
    private readonly DetectorOptions _options = options ?? new DetectorOptions();

    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [FindingKinds.OverconfidentSpan];

    /// <summary>The entropy of the model's own content tokens: any of the token statistics.</summary>
    public DetectorNeeds Needs => DetectorNeeds.Statistics;

    /// <inheritdoc />
    public void Detect(DetectionContext context, List<Finding> findings)
    {
        var tokens = context.Scores.Tokens;
        // The scorer's own numbers and a surrogate's are different distributions: they never share a baseline.
        var own = new Dictionary<int, List<int>>();
        var surrogate = new Dictionary<int, List<int>>();
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (t.Message < 0 || !t.HasScore || !context.IsSelfAuthored(t.Message) || !ContentTokens.IsContent(t)) continue;
            if (!context.Reads(t.Message, Needs)) continue;
            // With no ledger and no generation record, a turn whose signature is off-policy is not the model's own:
            // leave it out, or injected high-entropy turns would inflate the baseline.
            if (context.Provenance is null && !context.AuthoredFrom.ContainsKey(t.Message)
                && context.Features(t.Message) is { } f && f.Curvature >= _options.CurvatureThreshold) continue;
            if (context.AuthoredFrom.TryGetValue(t.Message, out var from) && t.Start < from) continue;
            var group = context.SourceOf(t.Message) == ScoringSource.Surrogate ? surrogate : own;
            if (!group.TryGetValue(t.Message, out var list)) group[t.Message] = list = [];
            list.Add(i);
        }

        if (own.Count > 0)
        {
            if (context.Calibration?.OverconfidentSpan is { } cal)
                Scan(findings, tokens, own, cal.Mean, cal.Sd, cal.Threshold, "calibrated");
            else if (SelfBaseline(tokens, own) is { } baseline)
                Scan(findings, tokens, own, baseline.Mean, baseline.Sd, _options.SpanThreshold, "transcript");
        }
        // A surrogate-scored message is judged only against the on-policy baseline its surrogate calibration measured.
        foreach (var (message, list) in surrogate.OrderBy(p => p.Key))
        {
            if (context.CalibrationFor(message)?.OverconfidentSpan is not { } cal) continue;
            Scan(findings, tokens, new Dictionary<int, List<int>> { [message] = list }, cal.Mean, cal.Sd, cal.Threshold, "surrogate-calibrated");
        }
    }

    /// <summary>The mean and spread of the entropy over every listed token, or null when there are too few.</summary>
    private (double Mean, double Sd)? SelfBaseline(ImmutableArray<TokenScore> tokens, Dictionary<int, List<int>> perMessage)
    {
        double sum = 0, sum2 = 0;
        var n = 0;
        foreach (var list in perMessage.Values)
            foreach (var i in list) { var h = tokens[i].Entropy; sum += h; sum2 += (double)h * h; n++; }
        if (n < 3 * _options.SpanWindow) return null;
        var mean = sum / n;
        return (mean, Math.Sqrt(Math.Max(0, sum2 / n - mean * mean)));
    }

    private void Scan(List<Finding> findings, ImmutableArray<TokenScore> tokens, Dictionary<int, List<int>> perMessage,
        double mean, double sd, double threshold, string baseline)
    {
        if (sd <= 0) return;
        var window = _options.SpanWindow;
        foreach (var (message, list) in perMessage.OrderBy(p => p.Key))
        {
            if (list.Count < window) continue;
            int spanFirst = -1, spanLast = -1;
            double best = 0, bestMean = 0;
            for (var w = 0; w + window <= list.Count; w++)
            {
                double s = 0;
                for (var k = 0; k < window; k++) s += tokens[list[w + k]].Entropy;
                var m = s / window;
                var z = (mean - m) / (sd / Math.Sqrt(window));
                var flagged = z >= threshold && m <= _options.SpanMaxEntropy;
                if (flagged && spanFirst >= 0 && w <= spanLast)
                {
                    spanLast = w + window - 1;
                    if (z > best) (best, bestMean) = (z, m);
                    continue;
                }
                if (spanFirst >= 0) Emit(findings, tokens, list, message, spanFirst, spanLast, best, bestMean, mean, sd, threshold, baseline);
                spanFirst = -1;
                if (flagged) (spanFirst, spanLast, best, bestMean) = (w, w + window - 1, z, m);
            }
            if (spanFirst >= 0) Emit(findings, tokens, list, message, spanFirst, spanLast, best, bestMean, mean, sd, threshold, baseline);
        }
    }

    private static void Emit(List<Finding> findings, ImmutableArray<TokenScore> tokens, List<int> list, int message,
        int first, int last, double z, double windowMean, double mean, double sd, double threshold, string baseline)
    {
        var detail = ImmutableDictionary<string, object>.Empty
            .Add("baseline", baseline)
            .Add("baseline_mean", Math.Round(mean, 4))
            .Add("baseline_sd", Math.Round(sd, 4))
            .Add("window_mean_entropy", Math.Round(windowMean, 4))
            .Add("tokens", last - first + 1);
        findings.Add(new Finding(FindingKinds.OverconfidentSpan, z >= 2 * threshold ? Severity.Medium : Severity.Low, z, threshold,
            message, tokens[list[first]].Start, tokens[list[last]].End, detail));
    }
}
