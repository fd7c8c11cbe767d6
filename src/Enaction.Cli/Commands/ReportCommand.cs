using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Detection;
using Enaction.Onnx.Scoring;
using Enaction.Reporting.Html;
using Enaction.Reporting.Inputs;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction report</c>: one self-contained HTML page of recorded turns: tokens shaded by entropy or surprisal,
/// findings over their spans, recorded decisions, per-message entropy charts and the calibration's ROC curves.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        var input = ReplayCommand.InputOption();
        var output = new Option<FileInfo>("--out", "-o") { Description = "The HTML file to write (replaced in one step)", Required = true };
        var model = ReplayCommand.ModelOption("Model directory to rescore the transcripts for token-level shading; without it messages are shaded by their recorded means");
        var calibration = DetectCommand.CalibrationOption();
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var generatorModel = CommonOptions.GeneratorModel();
        var command = new Command("report", "Write a self-contained HTML report of recorded turns: shaded tokens, findings, decisions, entropy and ROC charts")
        {
            input, output, model, calibration, provider, template, generatorModel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var outFile = parse.GetRequiredValue(output);
            if (outFile.Directory is { Exists: false } dir) throw new CliInputException($"{dir.FullName}: no such directory for --out");
            DatasetCommand.EnsureWritable(outFile, "--out");
            CommonOptions.GeneratorModelValue(parse.GetValue(generatorModel));
            var calibrationFile = parse.GetValue(calibration);
            var loaded = calibrationFile is null ? null : DetectCommand.LoadCalibration(calibrationFile);
            var turns = await ReplayCommand.ReadInputAsync(context, parse.GetRequiredValue(input), cancellationToken);
            var modelDirectory = parse.GetValue(model);

            List<ReportTurn> shown;
            string? scoringModel = null;
            if (turns.Kind == TurnInputKind.Transcripts)
            {
                var detected = await ReplayCommand.DetectAsync(context, turns, modelDirectory, parse.GetValue(provider), parse.GetValue(template),
                    loaded, calibrationFile, parse.GetValue(generatorModel), cancellationToken);
                shown = detected.Select(d => new ReportTurn(d.Record, d.Scores, d.Line)).ToList();
                scoringModel = detected.FirstOrDefault()?.Scores.ModelId;
            }
            else if (modelDirectory is not null)
            {
                using var lm = CommonOptions.LoadModel(modelDirectory, parse.GetValue(provider), parse.GetValue(template));
                if (loaded is not null) DetectCommand.EnsureCalibrationFor(loaded, calibrationFile!, lm, context.Error);
                using var scorer = new OnnxConversationScorer(lm);
                var sources = CommonOptions.Sources(scorer, parse.GetValue(generatorModel));
                scoringModel = lm.Id;
                shown = await ProgressDisplay.RunAsync(context.ErrorConsole, async stage =>
                {
                    var progress = stage($"rescoring {turns.Records.Length} turns with {lm.Id}", turns.Records.Length);
                    var list = new List<ReportTurn>(turns.Records.Length);
                    foreach (var (line, record) in turns.Records)
                    {
                        var transcript = RecordedTurns.ToTranscript(record);
                        // Rescored here: whose distribution shades each message is this scorer's, for the recorded generators.
                        var rescored = record with { Scoring = sources.Resolve(transcript, record.Model) };
                        list.Add(new ReportTurn(rescored, await scorer.ScoreAsync(transcript, cancellationToken), line));
                        progress.Report(list.Count);
                    }
                    return list;
                });
            }
            else
            {
                shown = turns.Records.Select(r => new ReportTurn(r.Record, null, r.Line)).ToList();
                await context.Error.WriteLineAsync("enaction: no --model given; messages are shaded by their recorded mean entropy and surprisal (pass --model DIR to shade every token)");
            }

            var document = new ReportDocument
            {
                Source = parse.GetRequiredValue(input).ToString(),
                Turns = shown,
                ScoringModel = scoringModel,
                Calibration = loaded,
                CalibrationSource = calibrationFile?.ToString(),
            };
            await HtmlReport.WriteFileAsync(outFile.FullName, document, cancellationToken);
            var findings = shown.Sum(t => t.Record.Stages.Sum(s => s.Findings.Count));
            await context.Output.WriteLineAsync($"wrote {outFile.FullName}: {shown.Count} turns, {findings} findings, {(scoringModel is null ? "message-level" : "token-level")} shading");
            return 0;
        });
        return command;
    }
}
