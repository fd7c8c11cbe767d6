namespace Enaction.Detection;

/// <summary>How much a finding matters; policies match on it.</summary>
public enum Severity
{
    /// <summary>Worth recording.</summary>
    Low,
    /// <summary>Worth a look.</summary>
    Medium,
    /// <summary>Worth acting on.</summary>
    High,
}
