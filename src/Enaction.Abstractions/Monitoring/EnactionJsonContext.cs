using System.Text.Json.Serialization;

namespace Enaction.Monitoring;

/// <summary>
/// The source-generated JSON contract of audit records and findings (see <see cref="AuditJson"/>). Enum names come
/// from <see cref="JsonStringEnumMemberNameAttribute"/>s; NaN means of messages with no scored token stay readable.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TurnRecord))]
[JsonSerializable(typeof(RecordedFinding))]
// The runtime types a finding's detail values take.
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
internal sealed partial class EnactionJsonContext : JsonSerializerContext;
