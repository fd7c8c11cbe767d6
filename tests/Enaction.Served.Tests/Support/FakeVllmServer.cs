using System.Text;
using System.Text.Json;
using Enaction.Onnx.Models;
using Enaction.SemanticKernel.Tests.Support;

namespace Enaction.Served.Tests.Support;

/// <summary>
/// A loopback HTTP server that answers <c>POST /v1/completions</c> in vLLM's documented shape, with the bundled ONNX
/// model's own log-probabilities: <c>choices[0].prompt_logprobs</c> is <c>null</c> for the first prompt token, then an
/// object keyed by token id holding the top <c>prompt_logprobs</c> entries and the prompt token (with its rank), each
/// <c>{"logprob", "rank", "decoded_token"}</c>, log-probabilities rounded to float32 as vLLM sends them. It validates
/// the request as vLLM's protocol does (a prompt, <c>prompt_logprobs</c> no more than <c>--max-logprobs</c>).
/// </summary>
public sealed class FakeVllmServer : IDisposable
{
    private readonly CausalLanguageModel _model;
    private readonly LoopbackHttpServer _http;

    public FakeVllmServer(CausalLanguageModel model, string servedModelName = "tiny-chat", int maxLogprobs = 20,
        Func<ReceivedRequest, (int Status, string Body)?>? intercept = null)
    {
        _model = model;
        ServedModelName = servedModelName;
        MaxLogprobs = maxLogprobs;
        _http = new LoopbackHttpServer(request => intercept?.Invoke(request) ?? Answer(request));
    }

    public string ServedModelName { get; }

    public int MaxLogprobs { get; }

    /// <summary>The base URL with <c>/v1</c>, as a client is configured.</summary>
    public Uri Endpoint => new(_http.BaseAddress, "v1");

    public IReadOnlyCollection<ReceivedRequest> Requests => _http.Requests;

    private (int, string) Answer(ReceivedRequest request)
    {
        if (request.Method != "POST" || request.Path != "/v1/completions") return (404, Error("Not Found", 404));
        using var doc = JsonDocument.Parse(request.Body);
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.GetString() != ServedModelName)
            return (404, Error($"The model `{(root.TryGetProperty("model", out var m) ? m.GetString() : null)}` does not exist.", 404));
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0)
            return (400, Error("Either prompt or prompt_embeds must be provided and non-empty.", 400));
        var k = root.TryGetProperty("prompt_logprobs", out var pl) && pl.ValueKind == JsonValueKind.Number ? pl.GetInt32() : 0;
        if (k > MaxLogprobs) return (400, Error($"Requested prompt logprobs of {k}, which is greater than max allowed: {MaxLogprobs}", 400));
        var ids = prompt.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        if (ids.Length >= _model.ContextLength) return (400, Error($"This model's maximum context length is {_model.ContextLength} tokens.", 400));

        var json = new StringBuilder();
        json.Append($$"""{"id":"cmpl-test","object":"text_completion","created":1764500000,"model":"{{ServedModelName}}","choices":[{"index":0,"text":" ","logprobs":null,"finish_reason":"length","stop_reason":null""");
        if (k > 0)
        {
            json.Append(""","prompt_logprobs":[null""");
            foreach (var position in ExactLogprobs.Compute(_model, ids, k))
            {
                json.Append(",{");
                var first = true;
                for (var i = 0; i < position.TopIds.Length; i++)
                {
                    Entry(json, ref first, position.TopIds[i], position.TopLogprobs[i], i + 1);
                }
                if (Array.IndexOf(position.TopIds, position.Token) < 0) Entry(json, ref first, position.Token, position.Logprob, position.Rank);
                json.Append('}');
            }
            json.Append(']');
        }
        json.Append("}],\"usage\":{\"prompt_tokens\":").Append(ids.Length).Append(",\"total_tokens\":").Append(ids.Length + 1).Append(",\"completion_tokens\":1}}");
        return (200, json.ToString());
    }

    private void Entry(StringBuilder json, ref bool first, int id, double logprob, int rank)
    {
        if (!first) json.Append(',');
        first = false;
        var value = (double)(float)logprob; // vLLM computes log-softmax in float32
        json.Append('"').Append(id).Append("\":{\"logprob\":").Append(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
            .Append(",\"rank\":").Append(rank).Append(",\"decoded_token\":").Append(JsonSerializer.Serialize(_model.TokenText(id))).Append('}');
    }

    /// <summary>vLLM's error body (<c>ErrorResponse</c>).</summary>
    public static string Error(string message, int code) =>
        JsonSerializer.Serialize(new { error = new { message, type = code == 404 ? "NotFoundError" : "BadRequestError", param = (string?)null, code } });

    public void Dispose() => _http.Dispose();
}
