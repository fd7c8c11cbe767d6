using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Evaluation;
using Enaction.Files;
using Enaction.Onnx.Scoring;
using Enaction.Scoring;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction evaluate</c>: score a labelled dataset and report how well the project's off-policy score and the
/// curvature baseline separate own from off-policy turns, with the own/off-policy entropy gap.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var dataset = new Option<FileInfo>("--dataset", "-d")
        {
            Description = "Labelled transcripts (JSONL from `enaction dataset`): {\"messages\":[...],\"target\":I,\"off_policy\":true|false,\"source\":\"...\",\"family\":\"...\"}",
            Required = true,
        };
        var calibration = DetectCommand.CalibrationOption();
        var json = CommonOptions.Json();
        var by = new Option<string?>("--by") { Description = "Only this split besides the overall row: source, family or shape (default: all, and family × source, shape × source)" };
        by.AcceptOnlyFromAmong("source", "family", "shape");
        var saveJson = new Option<FileInfo?>("--save-json") { Description = "Also write the --json document to this file (one scoring pass for both forms)" };
        var saveFeatures = new Option<FileInfo?>("--save-features")
        {
            Description = "Also write one CSV row per target turn: line, source, family, off_policy, tokens, the off-policy score and every feature the detector computes (to study or refit the combination elsewhere)",
        };
        var parallel = new Option<int>("--parallel") { Description = "Transcripts scored at once", DefaultValueFactory = _ => 1 };
        var provider = CommonOptions.Provider();
        var samplingTopP = CommonOptions.SamplingTopP();
        var template = CommonOptions.Template();
        var precision = CommonOptions.Precision();
        var generatorModel = CommonOptions.GeneratorModel();
        var command = new Command("evaluate", "Score a labelled dataset: AUROC and TPR at 1% and 5% FPR of the off-policy score and the curvature baseline, and the entropy gap")
        {
            model, dataset, calibration, json, by, saveJson, saveFeatures, parallel, provider, template, precision, generatorModel, samplingTopP,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var generator = CommonOptions.GeneratorModelValue(parse.GetValue(generatorModel));
            var file = parse.GetRequiredValue(dataset);
            if (!file.Exists) throw new CliInputException($"{file.FullName}: no such dataset file");
            if (parse.GetValue(parallel) < 1) throw new CliInputException($"--parallel must be at least 1 (got {parse.GetValue(parallel)})");
            var jsonFile = parse.GetValue(saveJson);
            if (jsonFile is not null) DatasetCommand.EnsureWritable(jsonFile, "--save-json");
            var featureFile = parse.GetValue(saveFeatures);
            if (featureFile is not null) DatasetCommand.EnsureWritable(featureFile, "--save-features");
            var examples = await LabelledTranscriptJsonl.LoadAsync(file.FullName, cancellationToken);
            var calibrationFile = parse.GetValue(calibration);
            var loaded = calibrationFile is null ? null : DetectCommand.LoadCalibration(calibrationFile);
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template), parse.GetValue(precision),
                parse.GetValue(samplingTopP));
            if (loaded is not null) DetectCommand.EnsureCalibrationFor(loaded, calibrationFile!, lm, context.Error);
            else await context.Error.WriteLineAsync("enaction: no --calibration given; the off-policy score is the curvature z with its documented default threshold");

            using var scorer = new OnnxConversationScorer(lm);
            // The dataset's own turns were written by the generator; scored by another model they describe a surrogate.
            var sources = CommonOptions.Sources(scorer, generator);
            var scoring = new MessageScoring(-1, generator ?? lm.Id, sources.Resolve(generator ?? lm.Id));
            if (scoring.Source == ScoringSource.Surrogate)
                await context.Error.WriteLineAsync($"enaction: warning: the dataset's turns were written by {scoring.Generator} and are scored by {lm.Id}, a surrogate: these numbers describe {lm.Id}'s surprise, not {scoring.Generator}'s (fit thresholds for it with `enaction calibrate --surrogate-for {scoring.Generator}`)");
            var scored = await ProgressDisplay.RunAsync(context.ErrorConsole, stage =>
                ExampleScorer.ScoreAsync(scorer, examples, stage($"scoring {examples.Count} transcripts", examples.Count), parse.GetValue(parallel), cancellationToken));
            var evaluation = DatasetEvaluation.Evaluate(scored, loaded);
            var split = parse.GetValue(by);
            if (split is not null)
                evaluation = evaluation with { Groups = [.. evaluation.Groups.Where(g => g.Split == "overall" || g.Split == split)] };
            // Both files, or neither.
            await using (var outputs = new OutputFiles())
            {
                if (jsonFile is not null)
                    await outputs.AddAsync(jsonFile.FullName, (stream, ct) => WriteTextAsync(stream, w => EvaluationJson.Write(w, lm.Id, calibrationFile?.FullName, file.FullName, evaluation, scoring), ct), cancellationToken);
                if (featureFile is not null)
                    await outputs.AddAsync(featureFile.FullName, (stream, ct) => WriteTextAsync(stream, w => FeatureCsv.Write(w, scored, loaded), ct), cancellationToken);
                outputs.Commit();
            }
            if (parse.GetValue(json)) EvaluationJson.Write(context.Output, lm.Id, calibrationFile?.FullName, file.FullName, evaluation, scoring);
            else EvaluationTable.Write(context.Output, lm.Id, calibrationFile?.FullName, file.FullName, evaluation, scoring);
            return 0;
        });
        return command;
    }

    private static async Task WriteTextAsync(Stream stream, Action<TextWriter> write, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
        write(writer);
        await writer.FlushAsync(cancellationToken);
    }
}
