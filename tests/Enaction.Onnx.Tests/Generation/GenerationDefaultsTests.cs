using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tests.Generation;

public sealed class GenerationDefaultsTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-genconfig-");

    public void Dispose() => _temp.Delete(recursive: true);

    private ModelDirectory With(string? json)
    {
        var path = Path.Combine(_temp.FullName, "generation_config.json");
        if (json is null) File.Delete(path);
        else File.WriteAllText(path, json);
        return new ModelDirectory { Path = _temp.FullName, OnnxPath = Path.Combine(_temp.FullName, "model.onnx"), Config = new ModelConfig() };
    }

    [Fact]
    public void The_bundled_chat_model_ships_a_nucleus_sampler_and_the_base_model_a_plain_one()
    {
        var chat = GenerationOptions.ForModel(ModelDirectory.Open(TestPaths.Model("tiny-chat")));
        Assert.Equal(1f, chat.Temperature);
        Assert.Equal(0.9f, chat.TopP);
        var plain = GenerationOptions.ForModel(ModelDirectory.Open(TestPaths.Model("tiny-base")));
        Assert.Equal(1f, plain.TopP);
    }

    [Fact]
    public void Reads_temperature_top_p_and_greedy_as_hugging_face_does()
    {
        var none = GenerationOptions.ForModel(With(null));
        Assert.Equal((1f, 1f), (none.Temperature, none.TopP));
        var tuned = GenerationOptions.ForModel(With("""{"do_sample": true, "temperature": 0.6, "top_p": 0.9, "eos_token_id": [1, 2]}"""));
        Assert.Equal(0.6f, tuned.Temperature);
        Assert.Equal(0.9f, tuned.TopP);
        Assert.Equal(0f, GenerationOptions.ForModel(With("""{"do_sample": false, "temperature": 0.6}""")).Temperature);
    }

    [Fact]
    public void A_setting_out_of_range_names_the_file()
    {
        var e = Assert.Throws<ModelLoadException>(() => GenerationOptions.ForModel(With("""{"top_p": 1.5}""")));
        Assert.Contains("generation_config.json", e.Message);
        Assert.Contains("TopP", e.Message);
        Assert.Throws<ModelLoadException>(() => GenerationOptions.ForModel(With("""{"top_p": """)));
    }
}
