using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Scoring;
using Enaction.Transcripts;
using Xunit.Abstractions;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>
/// The top-k entropy bounds against the exact full-distribution entropy of the bundled models: every token of real
/// transcripts (the PyTorch reference transcripts, the example transcript, and the model's own sampled answers).
/// </summary>
[Collection(BundledModelsCollection.Name)]
public class TopLogprobBoundsTests(BundledModels models, ITestOutputHelper output)
{
    private const double Tolerance = 1e-4; // float32 logits; the bounds themselves are exact

    public static TheoryData<string> Models() => ["tiny-chat", "tiny-base"];

    internal static async Task<List<Transcript>> RealTranscriptsAsync(CausalLanguageModel model)
    {
        var transcripts = ScoreReference.Read(TestPaths.Fixture("reference", model.Id + ".json")).Select(r => r.Transcript).ToList();
        transcripts.Add(TranscriptJson.Parse(File.ReadAllBytes(TestPaths.InRepo("examples", "transcripts", "arithmetic.json"))).Transcript);
        // The model's own answers: on-policy text, where entropy is lowest and the tail smallest.
        var generator = new LocalGenerator(model);
        string[] prompts = ["Tell me about a small river town.", "What is 12 + 7?", "Describe the weather by the sea.", "Who was the first person on the moon?", "Write a short note to a friend."];
        for (var i = 0; i < prompts.Length; i++)
        {
            var request = new Transcript([new TranscriptMessage(MessageRole.System, "You are a helpful assistant."), new TranscriptMessage(MessageRole.User, prompts[i])]);
            var answer = await generator.GenerateAsync(request, new GenerationOptions { Seed = 7 + i, MaxTokens = 60 });
            transcripts.Add(new Transcript([.. request.Messages, new TranscriptMessage(MessageRole.Assistant, answer.Text)]));
        }
        return transcripts;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Top_20_bounds_contain_the_exact_entropy_of_every_token(string name)
    {
        var model = models.Get(name);
        var positions = 0;
        double gap = 0, lowerError = 0, upperError = 0, midError = 0, worstMid = 0;
        foreach (var transcript in await RealTranscriptsAsync(model))
        {
            var ids = model.Encoder.Encode(transcript).Ids;
            foreach (var p in ExactLogprobs.Compute(model, ids, TopLogprobEntropy.MaxOpenAITopLogprobs))
            {
                var index = Array.IndexOf(p.TopIds, p.Token);
                // As OpenAI and vLLM report it: the observed token's log-probability even outside the list.
                var s = TopLogprobEntropy.Compute(p.TopLogprobs, index, index < 0 ? p.Logprob : double.NaN, model.VocabSize);
                Assert.True(s.EntropyLower <= p.Entropy + Tolerance && p.Entropy <= s.EntropyUpper + Tolerance,
                    $"{name} position {positions}: exact {p.Entropy} outside [{s.EntropyLower}, {s.EntropyUpper}]");
                Assert.True(s.SurprisalExact);
                Assert.Equal(-p.Logprob, s.Surprisal, 9);
                if (index >= 0) Assert.Equal(p.Rank, s.Rank);
                else Assert.True(s.Rank <= p.Rank);

                // Without the observed token's log-probability, and with only an upper limit of the vocabulary size.
                var blind = TopLogprobEntropy.Compute(p.TopLogprobs, index, double.NaN, TopLogprobEntropy.DefaultVocabularyLimit);
                Assert.True(blind.EntropyLower <= p.Entropy + Tolerance && p.Entropy <= blind.EntropyUpper + Tolerance,
                    $"{name} position {positions} (vocabulary limit): exact {p.Entropy} outside [{blind.EntropyLower}, {blind.EntropyUpper}]");
                if (index < 0) Assert.True(blind.SurprisalLower <= -p.Logprob + Tolerance, $"surprisal {-p.Logprob} below its bound {blind.SurprisalLower}");

                positions++;
                gap += s.EntropyUpper - s.EntropyLower;
                lowerError += p.Entropy - s.EntropyLower;
                upperError += s.EntropyUpper - p.Entropy;
                midError += Math.Abs(s.Entropy - p.Entropy);
                worstMid = Math.Max(worstMid, Math.Abs(s.Entropy - p.Entropy));
            }
        }
        output.WriteLine($"{name}: {positions} positions, top-20 of {model.VocabSize}: mean gap {gap / positions:F4}, " +
            $"mean exact-lower {lowerError / positions:F4}, upper-exact {upperError / positions:F4}, |estimate-exact| mean {midError / positions:F4} max {worstMid:F4} nats");
        Assert.True(positions > 400, $"only {positions} positions");
    }
}
