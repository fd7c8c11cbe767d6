namespace Enaction.Connectors.Onnx.Tests.Support;

/// <summary>Policy files the tests register the monitor with.</summary>
internal static class TestPolicies
{
    /// <summary>Logs and annotates every finding, changes nothing.</summary>
    public static string AuditOnly => RepoPaths.InRepo("policies", "audit-only.yaml");
}
