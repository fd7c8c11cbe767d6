using Enaction.Connectors.Onnx.Tests.Support;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Connectors.Onnx.Tests;

[Collection(GenAIModelsCollection.Name)]
public class GenAIDecodingEngineTests(GenAIModels models)
{
    private static readonly Transcript[] Prompts =
    [
        new([new TranscriptMessage(MessageRole.System, "You are a helpful assistant."), new TranscriptMessage(MessageRole.User, "Tell me about the river town.")]),
        new([new TranscriptMessage(MessageRole.User, "What is 12 plus 345?")]),
        // A prefill: the model continues the assistant's words.
        new([new TranscriptMessage(MessageRole.User, "Describe the bouth."), new TranscriptMessage(MessageRole.Assistant, "Oh, I am so happy to tell you")]),
    ];

    [Fact]
    public async Task At_temperature_0_GenAI_generates_the_tokens_of_the_project_generator()
    {
        var options = new GenerationOptions { Temperature = 0, MaxTokens = 60 };
        foreach (var prompt in Prompts)
        {
            var own = await new LocalGenerator(models.Model).GenerateAsync(prompt, options);
            var genai = await new LocalGenerator(models.Model, models.Engine).GenerateAsync(prompt, options);
            Assert.NotEmpty(own.Tokens);
            Assert.Equal(own.Tokens.Select(t => t.TokenId), genai.Tokens.Select(t => t.TokenId));
            Assert.Equal(own.Text, genai.Text);
            for (var i = 0; i < own.Tokens.Length; i++) Assert.Equal(own.Tokens[i].Entropy, genai.Tokens[i].Entropy, 1e-3f);
        }
    }

    [Fact]
    public async Task With_the_same_seed_both_engines_draw_the_same_sample_from_the_model_s_own_sampler()
    {
        // generation_config.json: temperature 1, top-p 0.9; the sampler is the generator's, whichever engine runs.
        var options = GenerationOptions.ForModel(models.Model.Directory) with { Seed = 7, MaxTokens = 60 };
        var own = await new LocalGenerator(models.Model).GenerateAsync(Prompts[0], options);
        var genai = await new LocalGenerator(models.Model, models.Engine).GenerateAsync(Prompts[0], options);
        Assert.Equal(own.Tokens.Select(t => t.TokenId), genai.Tokens.Select(t => t.TokenId));
    }

    [Fact]
    public async Task The_next_turn_of_a_conversation_runs_only_its_new_tokens_and_matches_a_fresh_generator()
    {
        using var engine = GenAIDecodingEngine.Open(GenAIModels.ChatPath, options: new GenAIEngineOptions { CachedSequences = 1 });
        using var fresh = GenAIDecodingEngine.Open(GenAIModels.ChatPath, options: new GenAIEngineOptions { CachedSequences = 0 });
        var options = new GenerationOptions { Temperature = 0, MaxTokens = 40 };
        var first = await new LocalGenerator(models.Model, engine).GenerateAsync(Prompts[0], options);
        Assert.Equal(1, engine.IdleSequences);

        var next = new Transcript([.. Prompts[0].Messages, new TranscriptMessage(MessageRole.Assistant, first.Text),
            new TranscriptMessage(MessageRole.User, "And what do people trade there?")]);
        var reused = await new LocalGenerator(models.Model, engine).GenerateAsync(next, options);
        var scratch = await new LocalGenerator(models.Model, fresh).GenerateAsync(next, options);

        Assert.Equal(scratch.Tokens.Select(t => t.TokenId), reused.Tokens.Select(t => t.TokenId));
        // The whole first turn's prompt was served from the cache the second time.
        Assert.True(engine.ReusedTokens >= first.PromptTokens, $"reused {engine.ReusedTokens} of a {first.PromptTokens}-token first prompt");
        Assert.Equal(0, fresh.ReusedTokens);
        Assert.Equal(0, fresh.IdleSequences);
    }

    [Fact]
    public async Task Teacher_forcing_the_GenAI_response_reproduces_the_entropies_it_was_sampled_from()
    {
        // Same-model scoring: the scorer reads the generator's own distribution on every generated token.
        var result = await new LocalGenerator(models.Model, models.Engine).GenerateAsync(Prompts[1], new GenerationOptions { Seed = 3, MaxTokens = 40 });
        var transcript = new Transcript([.. Prompts[1].Messages, new TranscriptMessage(MessageRole.Assistant, result.Text)]);
        var scored = await new OnnxConversationScorer(models.Model).ScoreAsync(transcript);
        var range = scored.TokensOf(transcript.Count - 1);
        var tokens = scored.Tokens[range];
        Assert.Equal(result.Tokens.Select(t => t.TokenId), tokens.Select(t => t.Id));
        for (var i = 0; i < tokens.Length; i++) Assert.Equal(result.Tokens[i].Entropy, tokens[i].Entropy, 1e-3f);
    }

    [Fact]
    public void A_folder_without_genai_config_is_one_line_naming_it()
    {
        var folder = RepoPaths.InRepo("tests", "fixtures", "models", "merged");
        var e = Assert.Throws<ModelLoadException>(() => GenAIDecodingEngine.Open(folder));
        Assert.Contains("genai_config.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_cuda_provider_without_its_library_fails_with_one_line_and_leaves_nothing_for_the_finalizer()
    {
        var e = Assert.Throws<ModelLoadException>(() => GenAIDecodingEngine.Open(GenAIModels.ChatPath, [new Provider("cuda")]));
        Assert.Contains("cuda", e.Message);
        Assert.Contains("cpu provider", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // A half-built GenAI object crashed the process at the next collection; this one must not.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
