using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Enaction.Served.Scoring;

namespace Enaction.Served.Vllm;

/// <summary>
/// Asks a vLLM OpenAI-compatible server for the top-k log-probabilities of every prompt token: <c>POST {base}/completions</c>
/// with the prompt as token ids, <c>prompt_logprobs: k</c> (a vLLM extra parameter) and <c>max_tokens: 1</c>. The answer's
/// <c>choices[0].prompt_logprobs</c> has one entry per prompt token: <c>null</c> for the first, then an object keyed by
/// token id (as a string) whose values are <c>{"logprob", "rank", "decoded_token"}</c>; it holds the top k and the
/// prompt token itself (k + 1 entries when the prompt token is not among the top k). vLLM writes −∞ as −9999.
/// </summary>
internal sealed class VllmPromptLogprobs(HttpClient http, Uri endpoint, string model, int topLogprobs, string? apiKey)
{
    private readonly Uri _url = new(endpoint.AbsoluteUri.TrimEnd('/') + "/completions");

    /// <summary>The URL requests go to.</summary>
    public Uri Url => _url;

    /// <summary>One prompt position: the listed log-probabilities, and where the prompt token is among them.</summary>
    /// <param name="Logprobs">The top-k log-probabilities (the prompt token's included only when it is one of them).</param>
    /// <param name="ObservedIndex">Index of the prompt token in <paramref name="Logprobs"/>, or -1.</param>
    /// <param name="ObservedLogprob">The prompt token's log-probability.</param>
    /// <param name="ObservedRank">Its rank in the whole vocabulary as vLLM reports it; 0 when not reported.</param>
    public readonly record struct Position(double[] Logprobs, int ObservedIndex, double ObservedLogprob, int ObservedRank);

    /// <summary>The log-probabilities at positions 1..n−1 of <paramref name="ids"/> (index 0 of the result is position 1).</summary>
    public async Task<Position[]> GetAsync(int[] ids, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(RequestBody(ids)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new ServedScoringException($"served-logprobs: POST {_url} returned {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body)}");
        return Parse(body, ids);
    }

    private byte[] RequestBody(int[] ids)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("prompt");
            foreach (var id in ids) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            // One generated token is the least the endpoint accepts without echo; it is ignored.
            writer.WriteNumber("max_tokens", 1);
            writer.WriteNumber("temperature", 0);
            writer.WriteNumber("prompt_logprobs", topLogprobs);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private Position[] Parse(byte[] body, int[] ids)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw Shape($"the body is not JSON ({e.Message.Split('\n')[0]})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                throw Shape("no \"choices\" array");
            if (!choices[0].TryGetProperty("prompt_logprobs", out var positions) || positions.ValueKind != JsonValueKind.Array)
                throw Shape("choices[0] has no \"prompt_logprobs\" array (is the server vLLM, and new enough to accept prompt_logprobs?)");
            if (positions.GetArrayLength() != ids.Length)
                throw Shape($"prompt_logprobs has {positions.GetArrayLength()} entries for a prompt of {ids.Length} tokens");

            var result = new Position[ids.Length - 1];
            var index = 0;
            foreach (var entry in positions.EnumerateArray())
            {
                if (index == 0) { index++; continue; } // nothing predicts the first token
                result[index - 1] = ParsePosition(entry, index, ids[index]);
                index++;
            }
            return result;
        }
    }

    private Position ParsePosition(JsonElement entry, int position, int token)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw Shape($"prompt_logprobs[{position}] is {entry.ValueKind.ToString().ToLowerInvariant()}, expected an object keyed by token id");
        var count = 0;
        foreach (var _ in entry.EnumerateObject()) count++;
        var ids = new int[count];
        var logprobs = new double[count];
        var ranks = new int[count];
        var observed = -1;
        var i = 0;
        foreach (var property in entry.EnumerateObject())
        {
            if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                throw Shape($"prompt_logprobs[{position}] has the key \"{property.Name}\", expected token ids");
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("logprob", out var l) || l.ValueKind != JsonValueKind.Number)
                throw Shape($"prompt_logprobs[{position}][\"{property.Name}\"] has no numeric \"logprob\"");
            logprobs[i] = l.GetDouble();
            if (!(logprobs[i] <= 1e-4))
                throw Shape($"prompt_logprobs[{position}][\"{property.Name}\"].logprob is {logprobs[i]}, not a log-probability");
            ranks[i] = value.TryGetProperty("rank", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var rank) ? rank : 0;
            if (ids[i] == token) observed = i;
            i++;
        }
        if (observed < 0)
            throw Shape($"prompt_logprobs[{position}] does not include the prompt token {token}: the server's tokenizer or model differs from the one the transcript was tokenised with");

        // The top k are the entries other than the prompt token, plus the prompt token when it is one of them: by its
        // rank when the server gives ranks, else by count (k + 1 entries mean it was added beside the top k).
        var inTop = ranks[observed] > 0 ? ranks[observed] <= topLogprobs : count <= topLogprobs;
        double[] top;
        int observedIndex;
        if (inTop)
        {
            top = logprobs;
            observedIndex = observed;
        }
        else
        {
            top = new double[count - 1];
            for (int from = 0, to = 0; from < count; from++) if (from != observed) top[to++] = logprobs[from];
            observedIndex = -1;
        }
        return new Position(top, observedIndex, logprobs[observed], ranks[observed]);
    }

    private ServedScoringException Shape(string what) =>
        new($"served-logprobs: {_url} answered with something that is not vLLM's completions shape: {what}");

    /// <summary>The error's message from an OpenAI-style (<c>{"error":{"message"}}</c>) or vLLM-style (<c>{"message"}</c>) body, on one line.</summary>
    private static string ErrorMessage(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    return OneLine(m.GetString()!);
                if (root.TryGetProperty("message", out m) && m.ValueKind == JsonValueKind.String) return OneLine(m.GetString()!);
            }
        }
        catch (JsonException)
        {
        }
        return body.Length == 0 ? "(empty body)" : OneLine(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)));
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
