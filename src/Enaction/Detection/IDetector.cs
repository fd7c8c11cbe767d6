namespace Enaction.Detection;

/// <summary>Turns scores (and provenance, where a ledger is configured) into findings. Pure and thread-safe.</summary>
public interface IDetector
{
    /// <summary>The finding kinds this detector can report.</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>Appends its findings for <paramref name="context"/> to <paramref name="findings"/>.</summary>
    void Detect(DetectionContext context, List<Finding> findings);
}
