using Enaction.Connectors.Onnx.Tests.Support;
using Enaction.Onnx.Tokenization;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Enaction.Connectors.Onnx.Tests.Tokenization;

[Collection(GenAIModelsCollection.Name)]
public class TokenizerParityTests(GenAIModels models)
{
    [Fact]
    public void GenAI_s_tokenizer_gives_the_project_s_ids_and_the_training_pattern_s_ids_on_every_fixture_text()
    {
        using var model = new Model(GenAIModels.ChatPath);
        using var genai = new Tokenizer(model);
        var training = TrainingPatternTokenizer();
        var texts = 0;
        foreach (var (file, text) in FixtureTexts.All(RepoPaths.RepoRoot))
        {
            var ids = models.Model.Tokenizer.Encode(text);
            using var sequences = genai.Encode(text);
            Assert.True(ids.AsSpan().SequenceEqual(sequences[0]), $"{file}: GenAI's ids differ on \"{Preview(text)}\"");
            Assert.True(ids.AsSpan().SequenceEqual(training.Encode(text)), $"{file}: the training pattern's ids differ on \"{Preview(text)}\"");
            texts++;
        }
        Assert.True(texts > 1000, $"only {texts} fixture texts found");
    }

    [Fact]
    public void Both_engines_give_the_trainer_s_ids_on_the_reference_tokenizer_checks()
    {
        using var model = new Model(GenAIModels.ChatPath);
        using var genai = new Tokenizer(model);
        foreach (var (_, text, expected) in FixtureTexts.TrainerChecks(RepoPaths.RepoRoot))
        {
            Assert.Equal(expected, models.Model.Tokenizer.Encode(text));
            using var sequences = genai.Encode(text);
            Assert.Equal(expected, sequences[0].ToArray());
        }
    }

    /// <summary>The bundled tokenizer with the split pattern the model was trained with (` ?\p{N}` for digits).</summary>
    private static TextTokenizer TrainingPatternTokenizer()
    {
        var dir = Path.Combine(Path.GetTempPath(), "enaction-parity", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var source = File.ReadAllText(Path.Combine(GenAIModels.ChatPath, "tokenizer.json"));
        const string exported = @" ?\\p{N}+|", trained = @" ?\\p{N}|";
        Assert.Contains(exported, source);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), source.Replace(exported, trained, StringComparison.Ordinal));
        File.Copy(Path.Combine(GenAIModels.ChatPath, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        return TextTokenizer.Load(dir);
    }

    private static string Preview(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
