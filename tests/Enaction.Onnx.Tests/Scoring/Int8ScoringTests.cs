using Enaction.Tests.Monitoring;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>
/// The optional int8 mode on the bundled model's real int8 file (models/tiny-chat/model.int8.onnx, written by
/// tools/fixture-model/fuse.py --int8): what it loads, how far it moves the scores, and what it refuses.
/// </summary>
[Collection(BundledModelsCollection.Name)]
public sealed class Int8ScoringTests(BundledModels models)
{
    private static readonly Transcript Conversation = new([
        TranscriptMessage.System("You are a helpful assistant."),
        TranscriptMessage.User("Tell me about the river town."),
        TranscriptMessage.Assistant("The river town sits on a wide bend. Its market opens at dawn, and the bridge is old."),
        TranscriptMessage.User("What is 12 + 7?"),
        TranscriptMessage.Assistant("12 + 7 = 19."),
    ]);

    private static CausalLanguageModel LoadInt8(string directory) =>
        CausalLanguageModel.Load(directory, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu, Precision = ScoringPrecision.Int8 });

    [Fact]
    public async Task Int8_scoring_moves_per_token_entropy_by_less_than_0_4_nats()
    {
        using var int8 = LoadInt8(TestPaths.Model("tiny-chat"));
        Assert.Equal(ScoringPrecision.Int8, int8.Precision);
        using var exactScorer = new OnnxConversationScorer(models.Chat);
        using var int8Scorer = new OnnxConversationScorer(int8);

        var exact = await exactScorer.ScoreAsync(Conversation);
        var approximate = await int8Scorer.ScoreAsync(Conversation);

        Assert.Equal(exact.Tokens.Length, approximate.Tokens.Length);
        double largest = 0;
        for (var i = 1; i < exact.Tokens.Length; i++)
            largest = Math.Max(largest, Math.Abs(exact.Tokens[i].Entropy - approximate.Tokens[i].Entropy));
        // Not the float32 graph under another name (that would agree to ~1e-5). The bound is what int8 costs on this
        // trained model (0.25 nats measured; docs/performance.md has the AUROC change it makes), not a promise of 1e-3.
        Assert.InRange(largest, 1e-3, 0.4);
    }

    [Fact]
    public void Int8_precision_without_an_int8_file_is_an_actionable_load_error()
    {
        var directory = CopyModel("tiny-base");
        var error = Assert.Throws<ModelLoadException>(() => LoadInt8(directory));
        Assert.Contains(ModelDirectory.Int8FileName, error.Message);
        Assert.Contains("tools/fixture-model/fuse.py", error.Message);
    }

    [Fact]
    public void An_int8_file_written_from_another_model_is_refused()
    {
        // tiny-chat's int8 file beside tiny-base's float32 weights: the pair a retrained model with a stale int8 file leaves.
        var directory = CopyModel("tiny-chat");
        File.Copy(Path.Combine(TestPaths.Model("tiny-base"), "model.onnx"), Path.Combine(directory, "model.onnx"), overwrite: true);
        var error = Assert.Throws<ModelLoadException>(() => LoadInt8(directory));
        Assert.Contains("was written from another model.onnx", error.Message);
    }

    [Fact]
    public void A_float32_calibration_on_int8_scoring_raises_a_warning_event_and_a_matching_one_does_not()
    {
        var file = Path.Combine(TestPaths.Model("tiny-chat"), "calibration.json");
        var calibration = Enaction.Detection.Calibration.Load(file);
        Assert.Equal("float32", calibration.Precision);
        using var int8 = LoadInt8(TestPaths.Model("tiny-chat"));
        var logger = new ListLogger();

        Assert.False(CalibrationPrecision.Check(calibration, int8, file, logger));
        var warning = Assert.Single(logger.Named("CalibrationPrecisionMismatch"));
        Assert.Equal("float32", warning["CalibrationPrecision"]);
        Assert.Equal("int8", warning["ScoringPrecision"]);
        Assert.Contains("--precision int8", CalibrationPrecision.Mismatch(calibration, int8, file));

        Assert.True(CalibrationPrecision.Check(calibration, models.Chat, file, logger));
        Assert.True(CalibrationPrecision.Check(calibration with { Precision = "int8" }, int8, file, logger));
        Assert.Single(logger.Events);
    }

    [Fact]
    public void A_calibration_keeps_the_precision_it_was_fitted_at()
    {
        var directory = TestPaths.NewTempDirectory();
        var path = Path.Combine(directory, "calibration.json");
        var calibration = Enaction.Detection.Calibration.Load(Path.Combine(TestPaths.Model("tiny-chat"), "calibration.json")) with { Precision = "int8" };
        calibration.Save(path);
        Assert.Equal("int8", Enaction.Detection.Calibration.Load(path).Precision);
    }

    private static string CopyModel(string name)
    {
        var directory = TestPaths.NewTempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.Model(name)))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return directory;
    }
}
