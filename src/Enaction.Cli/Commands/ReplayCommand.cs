using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Detection;
using Enaction.Onnx.Scoring;
using Enaction.Policies;
using Enaction.Reporting.Inputs;
using Enaction.Reporting.Replay;
using Enaction.Scoring;
using Enaction.Monitoring;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction replay</c>: re-apply a candidate policy to recorded turns and print what would change against the
/// policy that was in force. No generator is ever called: recorded findings are reused, and transcripts are only
/// scored and detected locally.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>Inputs this long or longer get a progress bar for the replay itself (scoring always gets one).</summary>
    private const int ProgressThreshold = 500;

    public static Command Create(CliContext context)
    {
        var policy = new Option<FileInfo>("--policy", "-p") { Description = "The candidate policy YAML to replay", Required = true };
        var input = InputOption();
        var baseline = new Option<FileInfo?>("--baseline", "-b")
        {
            Description = "Compare with this policy instead of the decisions recorded at the time (needed to compare on transcripts)",
        };
        var json = CommonOptions.Json();
        var model = ModelOption("Model directory to score and detect a transcripts JSONL input (not needed for audit records)");
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var generatorModel = CommonOptions.GeneratorModel();
        var command = new Command("replay", "Re-apply a candidate policy to recorded turns and show which rules fire and which actions and outcomes change")
        {
            policy, input, baseline, json, model, provider, template, generatorModel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Everything is read and validated before anything is printed.
            var candidate = await LoadPolicyAsync(parse.GetRequiredValue(policy), cancellationToken);
            CommonOptions.GeneratorModelValue(parse.GetValue(generatorModel));
            var baselineFile = parse.GetValue(baseline);
            var baselinePolicy = baselineFile is null ? null : await LoadPolicyAsync(baselineFile, cancellationToken);
            var turns = await ReadInputAsync(context, parse.GetRequiredValue(input), cancellationToken);
            var records = turns.Kind == TurnInputKind.Records
                ? [.. turns.Records]
                : (await DetectAsync(context, turns, parse.GetValue(model), parse.GetValue(provider), parse.GetValue(template), null, null,
                    parse.GetValue(generatorModel), cancellationToken))
                    .Select(d => (d.Line, d.Record)).ToList();

            var replay = new PolicyReplay(candidate, baselinePolicy);
            var result = records.Count >= ProgressThreshold
                ? await ProgressDisplay.RunAsync(context.ErrorConsole, stage =>
                    Task.FromResult(replay.Run(records, stage($"replaying {records.Count} turns", records.Count))))
                : replay.Run(records);
            if (turns.Kind == TurnInputKind.Transcripts && baselinePolicy is null)
                result = result with { Baseline = "no policy (transcripts carry no recorded decision; pass --baseline)" };

            if (parse.GetValue(json)) ReplayJson.Write(context.Output, result);
            else ReplayTable.Write(context.Console, result);
            return 0;
        });
        return command;
    }

    /// <summary>The <c>--input</c> option (shared with <c>report</c>).</summary>
    internal static Option<FileInfo> InputOption() => new("--input", "-i")
    {
        Description = "Audit records JSONL (as the monitor records them) or transcripts JSONL ({\"messages\":[...]} per line)",
        Required = true,
    };

    /// <summary>An optional <c>--model</c> option.</summary>
    internal static Option<string?> ModelOption(string description) => new("--model", "-m") { Description = description };

    /// <summary>Reads a policy, turning validation errors (file:line:column) into one-line input errors.</summary>
    internal static async Task<Policy> LoadPolicyAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such policy file");
        try
        {
            return await PolicyLoader.LoadAsync(file.FullName, cancellationToken: cancellationToken);
        }
        catch (PolicyValidationException e)
        {
            throw new CliInputException(e.Message);
        }
    }

    /// <summary>
    /// Reads a records or transcripts file, turning a bad line into a one-line input error (file:line) and printing a
    /// warning for each skipped torn line.
    /// </summary>
    internal static async Task<TurnInput> ReadInputAsync(CliContext context, FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such input file");
        TurnInput input;
        try
        {
            input = await TurnInputReader.ReadAsync(file.FullName, cancellationToken);
        }
        catch (TurnInputException e)
        {
            throw new CliInputException(e.Message);
        }
        foreach (var warning in input.Warnings) await context.Error.WriteLineAsync("enaction: warning: " + warning);
        return input;
    }

    /// <summary>One transcript scored and detected here, as a record, with its token scores.</summary>
    internal sealed record DetectedTranscript(int Line, TurnRecord Record, ScoredTranscript Scores);

    /// <summary>Scores and detects every transcript of a transcripts input with the local model (progress on stderr).</summary>
    internal static async Task<List<DetectedTranscript>> DetectAsync(CliContext context, TurnInput input, string? modelDirectory,
        Onnx.Models.ExecutionProvider provider, string? template, Calibration? calibration, FileInfo? calibrationFile, string? generatorModel,
        CancellationToken cancellationToken)
    {
        if (modelDirectory is null)
            throw new CliInputException($"{input.File}: holds transcripts, which must be scored and detected: pass --model DIR (for example models/tiny-chat)");
        using var lm = CommonOptions.LoadModel(modelDirectory, provider, template);
        // The calibration sets detector thresholds here, so it must have been made for this model.
        if (calibration is not null) DetectCommand.EnsureCalibrationFor(calibration, calibrationFile!, lm, context.Error);
        using var scorer = new OnnxConversationScorer(lm);
        var sources = CommonOptions.Sources(scorer, generatorModel);
        var detectors = DetectorSet.Default();
        var now = DateTimeOffset.UtcNow;
        return await ProgressDisplay.RunAsync(context.ErrorConsole, async stage =>
        {
            var progress = stage($"scoring {input.Transcripts.Length} transcripts with {lm.Id}", input.Transcripts.Length);
            var detected = new List<DetectedTranscript>(input.Transcripts.Length);
            foreach (var (line, transcript) in input.Transcripts)
            {
                var detection = await DetectionContext.ScoreAsync(scorer, transcript, sources, calibration, cancellationToken: cancellationToken);
                var scores = detection.Scores;
                var findings = detectors.Detect(detection);
                var record = RecordedTurns.FromDetection($"line {line}", scores, findings, now) with { Scoring = detection.Scoring };
                detected.Add(new DetectedTranscript(line, record, scores));
                progress.Report(detected.Count);
            }
            return detected;
        });
    }
}
