// The SDK's model factory marks its newest overload experimental; it is what builds a recorded response here.
#pragma warning disable OPENAI001
using System.ClientModel.Primitives;
using System.Text;
using Enaction.Onnx.Models;
using Enaction.Transcripts;
using OpenAI.Chat;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>
/// OpenAI chat-completion responses carrying <c>logprobs</c>, built from the OpenAI .NET SDK's own types
/// (<see cref="OpenAIChatModelFactory"/>) and written by its model writer: what a recorded response looks like on the wire.
/// </summary>
internal static class OpenAIRecordings
{
    /// <summary>The JSON body of a chat completion whose answer is <paramref name="tokens"/>, each with its top log-probabilities.</summary>
    public static string Completion(string model, IReadOnlyList<ChatTokenLogProbabilityDetails> tokens)
    {
        var text = string.Concat(tokens.Select(t => t.Token));
        var completion = OpenAIChatModelFactory.ChatCompletion(
            id: "chatcmpl-recorded", finishReason: ChatFinishReason.Stop, content: new ChatMessageContent(text), role: ChatMessageRole.Assistant,
            contentTokenLogProbabilities: tokens, createdAt: DateTimeOffset.FromUnixTimeSeconds(1764500000), model: model,
            usage: OpenAIChatModelFactory.ChatTokenUsage(outputTokenCount: tokens.Count, inputTokenCount: 20, totalTokenCount: 20 + tokens.Count));
        return ModelReaderWriter.Write(completion).ToString();
    }

    public static ChatTokenLogProbabilityDetails Token(string token, double logprob, IEnumerable<(string Token, double Logprob)> top) =>
        OpenAIChatModelFactory.ChatTokenLogProbabilityDetails(token, (float)logprob, Encoding.UTF8.GetBytes(token),
            top.Select(t => OpenAIChatModelFactory.ChatTokenTopLogProbabilityDetails(t.Token, (float)t.Logprob, Encoding.UTF8.GetBytes(t.Token))).ToList());

    /// <summary>
    /// An answer of 24 uncertain words then 12 near-certain ones: top-20 lists spread over alternatives, then one
    /// alternative holding almost all the mass. On the generator's own numbers the certain run is an overconfident span.
    /// </summary>
    public static IReadOnlyList<ChatTokenLogProbabilityDetails> UncertainThenCertain()
    {
        var tokens = new List<ChatTokenLogProbabilityDetails>();
        for (var i = 0; i < 36; i++)
        {
            var word = $" word{(char)('a' + i % 26)}";
            var certain = i >= 24;
            var chosen = certain ? -0.0004 : -1.9;
            var top = new List<(string, double)> { (word, chosen) };
            for (var k = 1; k < 20; k++) top.Add(($" other{k}", certain ? -9 - 0.3 * k : -2.0 - 0.08 * k));
            tokens.Add(Token(word, chosen, top));
        }
        return tokens;
    }

    /// <summary>
    /// The bundled model's own answer (the assistant message of <paramref name="transcript"/>) with its exact top-20 at
    /// every token, and the exact entropy of each token's full distribution (for checking the bounds).
    /// </summary>
    public static (IReadOnlyList<ChatTokenLogProbabilityDetails> Tokens, double[] Entropy) FromModel(CausalLanguageModel model, Transcript transcript)
    {
        var encoded = model.Encoder.Encode(transcript);
        var answer = transcript.Count - 1;
        var content = transcript[answer].Content;
        var exact = ExactLogprobs.Compute(model, encoded.Ids, 20);
        var tokens = new List<ChatTokenLogProbabilityDetails>();
        var entropy = new List<double>();
        for (var i = 1; i < encoded.Count; i++)
        {
            if (encoded.Message[i] != answer) continue;
            var p = exact[i - 1];
            tokens.Add(Token(content[encoded.Start[i]..encoded.End[i]], p.Logprob,
                p.TopIds.Select((id, k) => (model.Tokenizer.Decode([id]), p.TopLogprobs[k]))));
            entropy.Add(p.Entropy);
        }
        return (tokens, entropy.ToArray());
    }
}
