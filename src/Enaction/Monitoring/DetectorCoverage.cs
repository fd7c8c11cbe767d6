using Enaction.Detection;
using Enaction.Policies;
using Enaction.Scoring;

namespace Enaction.Monitoring;

/// <summary>
/// Which detectors can judge the messages of one generator, and why the others cannot: what the start-up events say,
/// and how the monitor tells that a policy rule can never fire.
/// </summary>
internal sealed class DetectorCoverage(DetectorSet detectors, Policy policy, Calibration? surrogateCalibration, bool ledger)
{
    /// <summary>The live and the off detectors for <paramref name="generator"/>'s messages scored from <paramref name="source"/>, each with why.</summary>
    public (List<string> Live, List<string> Off) Describe(string generator, ScoringSource source)
    {
        var live = new List<string>();
        var off = new List<string>();
        foreach (var d in detectors.Detectors)
        {
            var name = NameOf(d);
            if (Judges(d, generator, source, out var reason)) live.Add(reason is null ? name : $"{name} ({reason})");
            else if ((d.Needs & DetectorNeeds.Ledger) != 0 && ledger) live.Add($"{name} (ledger verdicts only; signature off: {reason})");
            else off.Add($"{name} ({reason})");
        }
        return (live, off);
    }

    /// <summary>True when some detector can report <paramref name="kind"/> on <paramref name="generator"/>'s messages.</summary>
    public bool CanReport(string kind, string generator, ScoringSource source)
    {
        foreach (var d in detectors.Detectors)
        {
            if (!d.Kinds.Contains(kind, StringComparer.Ordinal)) continue;
            if (Judges(d, generator, source, out _)) return true;
            // The ledger's own verdicts stand whatever the source.
            if ((d.Needs & DetectorNeeds.Ledger) != 0 && ledger && kind is FindingKinds.Unattested or FindingKinds.Altered) return true;
        }
        return false;
    }

    /// <summary>True when some detector declares <paramref name="kind"/>.</summary>
    public bool Declares(string kind)
    {
        foreach (var d in detectors.Detectors)
            if (d.Kinds.Contains(kind, StringComparer.Ordinal)) return true;
        return false;
    }

    /// <summary>A detector's name in events: its first finding kind.</summary>
    public static string NameOf(IDetector detector) => detector.Kinds.Count > 0 ? detector.Kinds[0] : detector.GetType().Name;

    private bool Judges(IDetector detector, string generator, ScoringSource source, out string? reason)
    {
        reason = null;
        var statistics = detector.Needs & DetectorNeeds.Statistics;
        if (statistics == DetectorNeeds.None) return true;
        if (source != ScoringSource.Surrogate)
        {
            if ((DetectionContext.Supplies(source) & statistics) != 0) return true;
            reason = $"needs {Words(statistics)}; {source.ToName()} scoring gives {Words(DetectionContext.Supplies(source))}";
            return false;
        }
        if (policy.Surrogate == SurrogateTurns.Skip)
        {
            reason = $"scored by a surrogate; policy {policy.Name} says surrogate: skip";
            return false;
        }
        if (surrogateCalibration is null)
        {
            reason = "policy says surrogate: judge, but no surrogate calibration is loaded";
            return false;
        }
        if (!surrogateCalibration.AppliesToSurrogate(generator))
        {
            reason = $"policy says surrogate: judge, but the surrogate calibration was fitted on \"{surrogateCalibration.SurrogateFor}\"";
            return false;
        }
        reason = "surrogate: judge, with the surrogate calibration";
        return true;
    }

    private static string Words(DetectorNeeds needs)
    {
        var words = new List<string>();
        if ((needs & DetectorNeeds.Distribution) != 0) words.Add("the full distribution");
        if ((needs & DetectorNeeds.PromptLogprobs) != 0) words.Add("prompt log-probabilities");
        if ((needs & DetectorNeeds.ResponseLogprobs) != 0) words.Add("response log-probabilities");
        return words.Count == 0 ? "none of the generator's numbers" : string.Join(" or ", words);
    }
}
