using System.Text.Json.Serialization;

namespace Enaction.Detection;

/// <summary>How much a finding matters; policies match on it. In JSON (CLI, audit records) it is its lower-case name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    /// <summary>Worth recording.</summary>
    [JsonStringEnumMemberName("low")]
    Low,
    /// <summary>Worth a look.</summary>
    [JsonStringEnumMemberName("medium")]
    Medium,
    /// <summary>Worth acting on.</summary>
    [JsonStringEnumMemberName("high")]
    High,
}
