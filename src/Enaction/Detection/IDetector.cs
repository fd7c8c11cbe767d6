namespace Enaction.Detection;

/// <summary>Turns scores (and provenance, where a ledger is configured) into findings. Pure and thread-safe.</summary>
public interface IDetector
{
    /// <summary>The finding kinds this detector can report.</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>
    /// What the detector reads, so the monitor knows for which scoring sources it can judge a message
    /// (<see cref="DetectorNeeds"/>). The default, <see cref="DetectorNeeds.Distribution"/>, assumes a detector reads the
    /// scorer's token statistics: its findings on a surrogate-scored message are dropped unless the policy says
    /// <c>surrogate: judge</c>. A detector that reads only the text says <see cref="DetectorNeeds.None"/>.
    /// </summary>
    DetectorNeeds Needs => DetectorNeeds.Distribution;

    /// <summary>Appends its findings for <paramref name="context"/> to <paramref name="findings"/>.</summary>
    void Detect(DetectionContext context, List<Finding> findings);
}
