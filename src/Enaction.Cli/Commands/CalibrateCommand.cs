using System.CommandLine;
using System.Globalization;
using Enaction.Cli.Output;
using Enaction.Evaluation;
using Enaction.Files;
using Enaction.Onnx.Scoring;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction calibrate</c>: sample a labelled dataset for the model, fit the off-policy combination and the
/// detector baselines, and write thresholds at the target false-positive rate to a calibration file.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var build = new DatasetCommand.BuildOptions();
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the calibration (JSON), e.g. models/tiny-chat/calibration.json", Required = true };
        var fpr = new Option<double>("--fpr") { Description = "False-positive rate every threshold is set at, measured on the model's own samples", DefaultValueFactory = _ => 0.01 };
        var saveDataset = new Option<FileInfo?>("--save-dataset") { Description = "Also write the sampled labelled transcripts (JSONL) here" };
        var fromDataset = new Option<FileInfo?>("--dataset") { Description = "Fit on these labelled transcripts (from `dataset` or --save-dataset) instead of sampling; --prompts is then not needed" };
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var precision = CommonOptions.Precision();
        var samplingTopP = CommonOptions.SamplingTopP();
        var surrogateFor = new Option<string?>("--surrogate-for")
        {
            Description = "Fit a surrogate calibration: the --dataset's on-policy turns were written by this generator (e.g. gpt-4o-mini), not by --model, which scores them as a surrogate. Used by detect --surrogate-calibration and policies that say `surrogate: judge`",
        };
        var fromAudit = new Option<FileInfo[]>("--from-audit")
        {
            Description = "Set only the off-policy threshold, by split conformal calibration on the model's own turns recorded in these audit files (turns-*.jsonl): at --fpr, on top of --calibration",
            AllowMultipleArgumentsPerToken = true,
        };
        var baseCalibration = new Option<FileInfo?>("--calibration", "-c")
        {
            Description = "With --from-audit: the calibration whose off-policy combination scores the turns and which is written with the new threshold (default: none, the curvature)",
        };
        var agent = new Option<string?>("--agent") { Description = "With --from-audit: only the records of this agent" };
        var command = new Command("calibrate", "Fit this model's off-policy combination and detector thresholds on its own samples and write a calibration file")
        {
            model, output, fpr, saveDataset, fromDataset, provider, template, precision, samplingTopP, surrogateFor, fromAudit, baseCalibration, agent,
        };
        build.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = build.Read(parse);
            var target = parse.GetValue(fpr);
            if (!(target > 0 && target < 1)) throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"--fpr must be between 0 and 1, e.g. 0.01 (got {target})"));
            var outFile = parse.GetRequiredValue(output);
            DatasetCommand.EnsureWritable(outFile, "--out");
            if (parse.GetValue(fromAudit) is { Length: > 0 } audits)
            {
                if (parse.GetValue(fromDataset) is not null || parse.GetValue(build.Prompts) is not null)
                    throw new CliInputException("--from-audit sets the threshold from recorded own turns; give it without --prompts or --dataset");
                foreach (var file in audits)
                    if (!file.Exists) throw new CliInputException($"{file.FullName}: no such audit file");
                var baseFile = parse.GetValue(baseCalibration);
                if (baseFile is not null && !baseFile.Exists) throw new CliInputException($"{baseFile.FullName}: no such calibration file");
                using var audited = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template), parse.GetValue(precision),
                    parse.GetValue(samplingTopP));
                return await CalibrateFromAudit.RunAsync(context, audited,
                    new CalibrateFromAudit.Request(audits, outFile, target, baseFile, parse.GetValue(agent), options.Parallelism), cancellationToken);
            }
            var datasetFile = parse.GetValue(saveDataset);
            if (datasetFile is not null) DatasetCommand.EnsureWritable(datasetFile, "--save-dataset");
            var existing = parse.GetValue(fromDataset);
            var generator = parse.GetValue(surrogateFor);
            if (generator is not null && string.IsNullOrWhiteSpace(generator))
                throw new CliInputException("--surrogate-for is empty; expected the id of the generator whose text the dataset holds (or * for any generator)");
            // Sampling writes the scoring model's own text: a surrogate calibration needs the generator's own turns.
            if (generator is not null && existing is null)
                throw new CliInputException($"--surrogate-for needs --dataset FILE: labelled transcripts whose on-policy turns {generator} wrote (sampling would make {parse.GetRequiredValue(model)}'s own text)");
            IReadOnlyList<LabelledTranscript>? examples = null;
            IReadOnlyList<CalibrationPrompt>? prompts = null;
            string source;
            if (existing is not null)
            {
                if (!existing.Exists) throw new CliInputException($"{existing.FullName}: no such dataset file");
                examples = await LabelledTranscriptJsonl.LoadAsync(existing.FullName, cancellationToken);
                source = existing.FullName;
            }
            else
            {
                var promptFile = parse.GetValue(build.Prompts) ?? throw new CliInputException("give --prompts FILE to sample a dataset, or --dataset FILE to fit on labelled transcripts");
                prompts = await DatasetCommand.LoadPromptsAsync(promptFile, cancellationToken);
                source = promptFile.FullName;
            }
            // The nucleus the own turns were sampled from: as given, else the sampler this command samples with.
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template), parse.GetValue(precision),
                parse.GetValue(samplingTopP) ?? build.Nucleus(parse, parse.GetRequiredValue(model)));
            using var other = prompts is not null && parse.GetValue(build.OtherModel) is { } otherDir ? CommonOptions.LoadModel(otherDir, parse.GetValue(provider), parse.GetValue(template)) : null;

            examples ??= await DatasetCommand.BuildAsync(context, lm, other, prompts!, options, cancellationToken);
            using var scorer = new OnnxConversationScorer(lm);
            var scored = await ProgressDisplay.RunAsync(context.ErrorConsole, stage =>
                ExampleScorer.ScoreAsync(scorer, examples, stage($"scoring {examples.Count} transcripts", examples.Count), options.Parallelism, cancellationToken));

            CalibrationFitter.Result fitted;
            try
            {
                fitted = CalibrationFitter.FitWithCandidates(scored, lm.Id, Enaction.Detection.Calibration.HashFile(lm.Directory.OnnxPath), target);
            }
            catch (ArgumentException e)
            {
                throw new CliInputException($"{source}: {e.Message}; add prompts or --samples");
            }
            // Thresholds hold for the arithmetic they were fitted with; detect and evaluate warn on a mismatch.
            var calibration = fitted.Calibration with { Precision = CalibrationPrecision.NameOf(lm.Precision), SurrogateFor = generator };
            // The calibration and the dataset it was fitted on are written together or not at all.
            await using (var outputs = new OutputFiles())
            {
                if (datasetFile is not null && existing is null)
                    await outputs.AddAsync(datasetFile.FullName, (stream, ct) => LabelledTranscriptJsonl.WriteAsync(stream, examples, ct), cancellationToken);
                await outputs.AddAsync(outFile.FullName, calibration.WriteAsync, cancellationToken);
                outputs.Commit();
            }
            CalibrationTable.Write(context.Output, calibration, outFile.FullName, fitted.Candidates);
            return 0;
        });
        return command;
    }
}
