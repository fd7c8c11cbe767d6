using Enaction.Detection;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>
/// The nucleus signal on the bundled chat model: what its own sampler writes never leaves the top-p nucleus the scorer
/// measures, text it did not write does, and the nucleus comes from generation_config.json unless set.
/// </summary>
[Collection(BundledModelsCollection.Name)]
public class NucleusTests(BundledModels models)
{
    [Fact]
    public void Mass_above_is_the_probability_of_every_token_with_a_higher_logit()
    {
        var random = new Random(3);
        var logits = Enumerable.Range(0, 2048).Select(_ => (float)(random.NextDouble() * 12 - 6)).ToArray();
        logits[17] = logits[900]; // a tie: not above
        var scratch = new float[2 * logits.Length];
        var max = logits.Max();
        var z = logits.Sum(l => Math.Exp(l - max));
        foreach (var target in new[] { 0, 17, 900, Array.IndexOf(logits, max), 2047 })
        {
            var expected = logits.Where(l => l > logits[target]).Sum(l => Math.Exp(l - max)) / z;
            var r = LogitStatistics.Compute(logits, target, scratch);
            Assert.Equal(expected, r.MassAbove, 5);
            Assert.Equal(1 + logits.Count(l => l > logits[target]), r.Rank);
        }
        Assert.Equal(0f, LogitStatistics.Compute(logits, Array.IndexOf(logits, max), scratch).MassAbove);
    }

    [Fact]
    public async Task The_models_own_samples_stay_inside_its_nucleus_and_foreign_text_leaves_it()
    {
        var model = models.Chat;
        Assert.Equal(0.9, model.SamplingTopP!.Value, 5); // generation_config.json: temperature 1, top_p 0.9
        var sampler = GenerationOptions.ForModel(model.Directory);
        var generator = new LocalGenerator(model);
        using var session = new OnnxScoringSession(model);
        var prompts = new[] { "Tell me about the river town.", "Describe Grifor.", "What is 12 + 7?", "Write a short note on the bouth." };
        var judgedTokens = 0;
        foreach (var (prompt, seed) in prompts.SelectMany(p => Enumerable.Range(1, 3).Select(s => (p, s))))
        {
            Transcript request = new([TranscriptMessage.User(prompt)]);
            var own = await generator.GenerateAsync(request, sampler with { Seed = seed, MaxTokens = 60 });
            var scored = await session.ScoreAsync(request.Append(TranscriptMessage.Assistant(own.Text)));
            Assert.Equal(0.9, scored.SamplingTopP);
            var features = TurnFeatures.Compute(scored, 1);
            if (features is null) continue;
            judgedTokens += features.Tokens;
            Assert.True(features.Nucleus!.Exits == 0, $"own answer to \"{prompt}\" (seed {seed}) leaves the nucleus: {own.Text}");
        }
        Assert.True(judgedTokens > 100, $"only {judgedTokens} own tokens judged");

        // Someone else's text in the assistant turn: a wording the model would not choose leaves the nucleus.
        Transcript foreign = new([
            TranscriptMessage.User("Tell me about the river town."),
            TranscriptMessage.Assistant("Honestly, purple elephants negotiate tax treaties with submarine librarians on Tuesdays."),
        ]);
        var off = TurnFeatures.Compute(await session.ScoreAsync(foreign), 1)!;
        Assert.True(off.Nucleus!.Exits >= 1, $"foreign text: {off.Nucleus.Exits} exits");
        Assert.True(off.Nucleus.Excess > 0.05, $"foreign text: excess {off.Nucleus.Excess}");
    }

    [Fact]
    public async Task A_configured_top_p_of_one_turns_the_nucleus_off()
    {
        using var model = CausalLanguageModel.Load(TestPaths.Model("tiny-chat"),
            new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, SamplingTopP = 1 });
        Assert.Null(model.SamplingTopP);
        using var session = new OnnxScoringSession(model);
        var scored = await session.ScoreAsync(new Transcript([TranscriptMessage.User("Hi."), TranscriptMessage.Assistant("Hello there, friend.")]));
        Assert.Null(scored.SamplingTopP);
        Assert.Null(TurnFeatures.Compute(scored, 1)!.Nucleus);
        Assert.All(scored.Tokens.Where(t => t.HasScore), t => Assert.InRange(t.MassAbove, 0f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { SamplingTopP = 1.5 }));

        // The sampler's nucleus: top-p at temperature <= 1 (lower only shrinks it), 0 greedy, none above 1.
        Assert.Equal(0.9, new GenerationOptions { Temperature = 0.7f, TopP = 0.9f }.Nucleus);
        Assert.Equal(0, new GenerationOptions { Temperature = 0, TopP = 0.9f }.Nucleus);
        Assert.Equal(1, new GenerationOptions { Temperature = 1.3f, TopP = 0.9f }.Nucleus);
    }
}
