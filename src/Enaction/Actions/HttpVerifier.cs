using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Enaction.Actions;

/// <summary>
/// POSTs the response and its findings as JSON to an endpoint and reads the verdict from the reply:
/// <c>{"approved": true|false, "reason": "..."}</c> (or <c>{"verdict": "approve"|"reject"}</c>). A non-success
/// status or an unreadable reply is an error, which the policy's failure mode resolves.
/// </summary>
public sealed class HttpVerifier : IVerifier
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    /// <summary>Verifies at <paramref name="endpoint"/> through <paramref name="http"/>.</summary>
    public HttpVerifier(HttpClient http, Uri endpoint)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
    }

    /// <inheritdoc/>
    public async Task<VerificationResult> VerifyAsync(VerificationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new Payload(
            request.Verifier,
            request.Verdict.ConversationId,
            request.Verdict.Turn,
            request.Response,
            request.Transcript.Messages.Select(m => new PayloadMessage(m.Role.ToString().ToLowerInvariant(), m.Content)).ToArray(),
            request.Findings.Select(f => new PayloadFinding(f.Kind, EnumNames.Name(f.Severity), f.Score, f.Threshold, f.Message)).ToArray());
        using var response = await _http.PostAsJsonAsync(_endpoint, body, Json, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (root.TryGetProperty("approved", out var a) && a.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return new VerificationResult(a.GetBoolean(), reason);
        if (root.TryGetProperty("verdict", out var v) && v.ValueKind == JsonValueKind.String)
            return new VerificationResult(string.Equals(v.GetString(), "approve", StringComparison.OrdinalIgnoreCase), reason);
        throw new InvalidOperationException($"{_endpoint}: the reply has neither \"approved\" (true|false) nor \"verdict\" (approve|reject)");
    }

    private sealed record Payload(
        [property: JsonPropertyName("verifier")] string Verifier,
        [property: JsonPropertyName("conversation_id")] string ConversationId,
        [property: JsonPropertyName("turn")] int Turn,
        [property: JsonPropertyName("response")] string Response,
        [property: JsonPropertyName("messages")] PayloadMessage[] Messages,
        [property: JsonPropertyName("findings")] PayloadFinding[] Findings);

    private sealed record PayloadMessage([property: JsonPropertyName("role")] string Role, [property: JsonPropertyName("content")] string Content);

    private sealed record PayloadFinding(
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("severity")] string Severity,
        [property: JsonPropertyName("score")] double Score,
        [property: JsonPropertyName("threshold")] double Threshold,
        [property: JsonPropertyName("message")] int Message);
}
