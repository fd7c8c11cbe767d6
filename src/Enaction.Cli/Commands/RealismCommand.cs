using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Scoring;
using Enaction.Realism;
using Enaction.Reporting.Html;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction realism</c>: how recognisable each synthetic assistant turn of an eval is to the model under test, by
/// the off-policy detector's signature, with the tokens that give it away; optionally the model's own turn in its place.
/// </summary>
internal static class RealismCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Eval transcripts JSONL: {\"messages\":[...]} a line; assistant turns the eval wrote carry \"synthetic\": true " +
                          "(no marks: every assistant turn), and may carry \"keep\": \"regex\" for --resample",
            Required = true,
        };
        var calibration = DetectCommand.CalibrationOption();
        var samples = new Option<int>("--samples")
        {
            Description = "Draw N own turns for each synthetic turn's context and give its percentile among them (default 0: among the calibration's own turns)",
        };
        var resample = new Option<bool>("--resample")
        {
            Description = "Offer the model's own turn in place of each recognisable synthetic turn, kept when it blends in and matches the turn's \"keep\"",
        };
        var attempts = new Option<int>("--attempts") { Description = "Most samples drawn to replace one turn", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Sampling seed (same seed, model and file: same output)", DefaultValueFactory = _ => 1 };
        var giveaways = new Option<int>("--giveaways") { Description = "Give-away tokens reported per turn", DefaultValueFactory = _ => 5 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per sampled turn", DefaultValueFactory = _ => 256 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per transcript (the file's summary goes to standard error)" };
        var report = new Option<FileInfo?>("--report") { Description = "Also write a self-contained HTML report with give-away tokens highlighted" };
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var command = new Command("realism", "How recognisable each synthetic assistant turn of an eval is to the model under test, and which tokens give it away")
        {
            model, input, calibration, samples, resample, attempts, seed, giveaways, maxTokens, json, report, provider, template,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Everything cheap is checked before the model loads.
            var options = new RealismOptions
            {
                Giveaways = parse.GetValue(giveaways),
                OwnSamples = parse.GetValue(samples),
                Resample = parse.GetValue(resample),
                ResampleAttempts = parse.GetValue(attempts),
                Seed = parse.GetValue(seed),
            };
            Validate(options);
            var sampling = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens) };
            CommonOptions.ValidateSampling(sampling);
            var reportFile = parse.GetValue(report);
            if (reportFile?.Directory is { Exists: false } dir) throw new CliInputException($"{dir.FullName}: no such directory for --report");
            var inputFile = parse.GetRequiredValue(input);
            var evals = await EvalTranscriptJsonl.LoadAsync(inputFile.FullName, cancellationToken);
            var calibrationFile = parse.GetValue(calibration);
            var loaded = calibrationFile is null ? null : DetectCommand.LoadCalibration(calibrationFile);

            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template));
            if (loaded is not null) DetectCommand.EnsureCalibrationFor(loaded, calibrationFile!, lm, context.Error);
            else await context.Error.WriteLineAsync("enaction: no --calibration given; scores are the uncalibrated curvature z and percentiles need --samples N (run `enaction calibrate` for this model's own)");
            using var scorer = new OnnxConversationScorer(lm);
            // Own turns are drawn with the sampler the model ships (generation_config.json), as calibration draws them.
            var generator = new LocalGenerator(lm);
            var shipped = GenerationOptions.ForModel(lm.Directory) with { MaxTokens = sampling.MaxTokens };
            OwnTurnSampler sampler = async (transcript, s, ct) =>
                (await generator.GenerateAsync(transcript, shipped with { Seed = s }, ct).ConfigureAwait(false)).Text;
            var analyzer = new RealismAnalyzer(scorer, loaded, options, options.OwnSamples > 0 || options.Resample ? sampler : null);

            var results = await ProgressDisplay.RunAsync(context.ErrorConsole, async stage =>
            {
                var progress = stage($"judging {evals.Count} eval transcripts with {lm.Id}", evals.Count);
                var list = new List<TranscriptRealism>(evals.Count);
                foreach (var eval in evals)
                {
                    list.Add(await analyzer.AnalyzeAsync(eval, cancellationToken));
                    progress.Report(list.Count);
                }
                return list;
            });

            var summary = RealismTable.Summary(results, analyzer);
            if (parse.GetValue(json))
            {
                foreach (var result in results) RealismJson.Write(context.Output, lm.Id, result, options.Resample);
                await context.Error.WriteLineAsync("enaction: " + summary);
            }
            else
            {
                RealismTable.Write(context.Output, lm.Id, calibrationFile?.ToString(), results, analyzer);
            }
            if (reportFile is not null)
            {
                await RealismReport.WriteFileAsync(reportFile.FullName, new RealismReportDocument
                {
                    Source = inputFile.ToString(),
                    Model = lm.Id,
                    Transcripts = results,
                    Threshold = analyzer.Threshold,
                    Method = analyzer.Method,
                    CalibrationSource = calibrationFile?.ToString(),
                }, cancellationToken);
                await context.Error.WriteLineAsync($"enaction: wrote {reportFile.FullName}");
            }
            return 0;
        });
        return command;
    }

    private static void Validate(RealismOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            var option = e.ParamName switch
            {
                nameof(RealismOptions.OwnSamples) => "samples",
                nameof(RealismOptions.ResampleAttempts) => "attempts",
                nameof(RealismOptions.Giveaways) => "giveaways",
                _ => "option",
            };
            throw new CliInputException($"--{option}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }
}
