using Enaction.Scoring;

namespace Enaction.Detection;

/// <summary>Runs a set of detectors over one context and returns their findings in transcript order.</summary>
public sealed class DetectorSet
{
    /// <summary>Creates a set.</summary>
    public DetectorSet(IEnumerable<IDetector> detectors) => Detectors = [.. detectors];

    /// <summary>Every built-in detector with <paramref name="options"/>.</summary>
    public static DetectorSet Default(DetectorOptions? options = null) => new([
        new OffPolicyDetector(options),
        new OverconfidentSpanDetector(options),
        new SelfEchoDetector(options),
        new BrokenIntentionDetector(options),
        new EvaluationAwarenessDetector(options),
        new RoleSmugglingDetector(options),
    ]);

    /// <summary>The detectors, in run order.</summary>
    public IReadOnlyList<IDetector> Detectors { get; }

    /// <summary>Every finding kind the detectors report, in detector order (what policy rules may match).</summary>
    public IReadOnlyList<string> Kinds => [.. Detectors.SelectMany(d => d.Kinds).Distinct(StringComparer.Ordinal)];

    /// <summary>This set with <paramref name="more"/> appended (custom detectors run after the built-in ones).</summary>
    public DetectorSet With(IEnumerable<IDetector> more) => new(Detectors.Concat(more ?? throw new ArgumentNullException(nameof(more))));

    /// <summary>
    /// All findings, ordered by message, then start, then kind; each finding's detail says the <c>source</c> of its
    /// message's numbers. A finding of a detector that reads token statistics on a message whose source does not supply
    /// them (a surrogate-scored message the policy does not judge) is dropped; detectors that read the ledger judge that
    /// themselves (<see cref="DetectorNeeds.Ledger"/>).
    /// </summary>
    public IReadOnlyList<Finding> Detect(DetectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var findings = new List<Finding>();
        var own = new List<Finding>();
        foreach (var detector in Detectors)
        {
            own.Clear();
            detector.Detect(context, own);
            var needs = detector.Needs;
            var gated = (needs & DetectorNeeds.Statistics) != DetectorNeeds.None && (needs & DetectorNeeds.Ledger) == DetectorNeeds.None;
            foreach (var f in own)
            {
                if (gated && !context.Reads(f.Message, needs)) continue;
                findings.Add(f.Detail.ContainsKey("source") ? f : f with { Detail = f.Detail.SetItem("source", context.SourceOf(f.Message).ToName()) });
            }
        }
        findings.Sort(static (a, b) =>
            a.Message != b.Message ? a.Message.CompareTo(b.Message)
            : a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : string.CompareOrdinal(a.Kind, b.Kind));
        return findings;
    }
}
