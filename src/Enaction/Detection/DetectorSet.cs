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

    /// <summary>All findings, ordered by message, then start, then kind.</summary>
    public IReadOnlyList<Finding> Detect(DetectionContext context)
    {
        var findings = new List<Finding>();
        foreach (var detector in Detectors) detector.Detect(context, findings);
        findings.Sort(static (a, b) =>
            a.Message != b.Message ? a.Message.CompareTo(b.Message)
            : a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : string.CompareOrdinal(a.Kind, b.Kind));
        return findings;
    }
}
