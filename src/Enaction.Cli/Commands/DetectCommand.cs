using System.CommandLine;
using Enaction.Cli.Output;
using Enaction.Detection;
using Enaction.Evaluation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.Cli.Commands;

/// <summary><c>enaction detect</c>: run every detector over a scored transcript and print the findings.</summary>
internal static class DetectCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var transcript = CommonOptions.Transcript();
        var calibration = CalibrationOption();
        var json = CommonOptions.Json();
        var provider = CommonOptions.Provider();
        var template = CommonOptions.Template();
        var command = new Command("detect", "Score a transcript and report off-policy turns, overconfident spans, self-echo, broken intentions, evaluation awareness and smuggled role markers")
        {
            model, transcript, calibration, json, provider, template,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Cheap checks first: a bad transcript or calibration file should not wait for a model to load.
            var messages = await CommonOptions.LoadTranscriptAsync(parse.GetRequiredValue(transcript), cancellationToken);
            var calibrationFile = parse.GetValue(calibration);
            var loaded = calibrationFile is null ? null : LoadCalibration(calibrationFile);
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template));
            if (loaded is not null) EnsureCalibrationFor(loaded, calibrationFile!, lm, context.Error);
            else await context.Error.WriteLineAsync("enaction: no --calibration given; using the documented default thresholds (run `enaction calibrate` for this model's own)");

            using var scorer = new OnnxConversationScorer(lm);
            var detection = await DetectionContext.ScoreAsync(scorer, messages, loaded, cancellationToken);
            var scored = detection.Scores;
            // The scoring model's own control tokens count as role markers too, besides the known families'.
            var detectors = DetectorSet.Default(new DetectorOptions { RoleMarkers = [.. lm.Tokenizer.ControlTokens.Keys] });
            var findings = detectors.Detect(detection);
            // Turns too short for a signature: said, so silence is never read as "judged and clean" (detect has no ledger).
            var offPolicy = detectors.Detectors.OfType<OffPolicyDetector>().Single();
            var ledgerAlone = offPolicy.JudgedByLedgerAlone(detection).Select(m => new ShortTurn(m, detection.Features(m)?.Tokens ?? 0)).ToList();
            var shownPath = calibrationFile?.FullName;
            if (parse.GetValue(json)) FindingsJson.Write(context.Output, scored.ModelId, shownPath, findings, ledgerAlone);
            else FindingsTable.Write(context.Output, scored.ModelId, shownPath, messages, findings, ledgerAlone, offPolicy.Options.MinTurnTokens);
            return 0;
        });
        return command;
    }

    /// <summary>The <c>--calibration</c> option (shared with <c>evaluate</c>).</summary>
    internal static Option<FileInfo?> CalibrationOption() => new("--calibration", "-c")
    {
        Description = "Calibration file from `enaction calibrate` for this model; without it the documented default thresholds apply",
    };

    /// <summary>Reads a calibration file, turning its problems into one-line input errors.</summary>
    internal static Calibration LoadCalibration(FileInfo file)
    {
        if (!file.Exists) throw new CliInputException($"{file.FullName}: no such calibration file");
        try
        {
            return Calibration.Load(file.FullName);
        }
        catch (CalibrationException e)
        {
            throw new CliInputException(e.Message);
        }
    }

    /// <summary>
    /// Rejects a calibration made for another model (compared by the float32 ONNX file's SHA-256) and warns on
    /// <paramref name="warnings"/> when it was fitted at another precision than the model scores with.
    /// </summary>
    /// <param name="calibration">The calibration.</param>
    /// <param name="file">Its file, for messages.</param>
    /// <param name="model">The model it must belong to.</param>
    /// <param name="warnings">Where a precision mismatch is reported (stderr).</param>
    internal static void EnsureCalibrationFor(Calibration calibration, FileInfo file, CausalLanguageModel model, TextWriter warnings)
    {
        try
        {
            calibration.EnsureFor(Calibration.HashFile(model.Directory.OnnxPath), file.FullName);
        }
        catch (CalibrationException e)
        {
            throw new CliInputException(e.Message);
        }
        if (CalibrationPrecision.Mismatch(calibration, model, file.FullName) is { } mismatch)
            warnings.WriteLine("enaction: warning: " + mismatch);
    }
}
