using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Enaction.Monitoring;

/// <summary>
/// Audit records as JSON, through one source-generated contract: what <c>JsonlTurnRecorder</c> writes, the replay
/// and report readers read and the recording-failure event carries. Text stays readable (no escaping of non-ASCII
/// or HTML characters): audit files are read by people and by JSON parsers alike.
/// </summary>
public static class AuditJson
{
    private static readonly JsonSerializerOptions Options = new(EnactionJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonTypeInfo<TurnRecord> Record => (JsonTypeInfo<TurnRecord>)Options.GetTypeInfo(typeof(TurnRecord));

    /// <summary>The record as one line of UTF-8 JSON (no newline).</summary>
    public static byte[] ToUtf8Bytes(TurnRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Record);

    /// <summary>The record as JSON text.</summary>
    public static string ToJson(TurnRecord record) => JsonSerializer.Serialize(record, Record);

    /// <summary>Reads one record; throws <see cref="JsonException"/> for JSON that is not one.</summary>
    public static TurnRecord? Read(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize(utf8, Record);
}
