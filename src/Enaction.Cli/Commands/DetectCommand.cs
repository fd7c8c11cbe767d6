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
        var samplingTopP = CommonOptions.SamplingTopP();
        var template = CommonOptions.Template();
        var generatorModel = CommonOptions.GeneratorModel();
        var surrogateCalibration = SurrogateCalibrationOption();
        var command = new Command("detect", "Score a transcript and report off-policy turns, overconfident spans, self-echo, broken intentions, evaluation awareness and smuggled role markers")
        {
            model, transcript, calibration, json, provider, template, generatorModel, surrogateCalibration, samplingTopP,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Cheap checks first: a bad transcript or calibration file should not wait for a model to load.
            var messages = await CommonOptions.LoadTranscriptAsync(parse.GetRequiredValue(transcript), cancellationToken);
            var calibrationFile = parse.GetValue(calibration);
            var loaded = calibrationFile is null ? null : LoadCalibration(calibrationFile);
            var surrogateFile = parse.GetValue(surrogateCalibration);
            var surrogate = surrogateFile is null ? null : LoadSurrogateCalibration(surrogateFile);
            var generator = CommonOptions.GeneratorModelValue(parse.GetValue(generatorModel));
            using var lm = CommonOptions.LoadModel(parse.GetRequiredValue(model), parse.GetValue(provider), parse.GetValue(template), samplingTopP: parse.GetValue(samplingTopP));
            if (surrogate is not null) EnsureCalibrationFor(surrogate, surrogateFile!, lm, context.Error);
            if (loaded is not null) EnsureCalibrationFor(loaded, calibrationFile!, lm, context.Error);
            else await context.Error.WriteLineAsync("enaction: no --calibration given; using the documented default thresholds (run `enaction calibrate` for this model's own)");

            using var scorer = new OnnxConversationScorer(lm);
            var sources = CommonOptions.Sources(scorer, generator);
            var detection = await DetectionContext.ScoreAsync(scorer, messages, sources, loaded, surrogate, cancellationToken);
            var scored = detection.Scores;
            // The scoring model's own control tokens count as role markers too, besides the known families'.
            var detectors = DetectorSet.Default(new DetectorOptions { RoleMarkers = [.. lm.Tokenizer.ControlTokens.Keys] });
            var findings = detectors.Detect(detection);
            // Turns too short for a signature: said, so silence is never read as "judged and clean" (detect has no ledger).
            var offPolicy = detectors.Detectors.OfType<OffPolicyDetector>().Single();
            var ledgerAlone = offPolicy.JudgedByLedgerAlone(detection).Select(m => new ShortTurn(m, detection.Features(m)?.Tokens ?? 0)).ToList();
            var shownPath = calibrationFile?.FullName;
            if (parse.GetValue(json)) FindingsJson.Write(context.Output, scored.ModelId, shownPath, findings, detection.Scoring, ledgerAlone);
            else FindingsTable.Write(context.Output, scored.ModelId, shownPath, messages, findings, detection.Scoring, detection.JudgeSurrogates, ledgerAlone, offPolicy.Options.MinTurnTokens);
            return 0;
        });
        return command;
    }

    /// <summary>The <c>--calibration</c> option (shared with <c>evaluate</c>).</summary>
    internal static Option<FileInfo?> CalibrationOption() => new("--calibration", "-c")
    {
        Description = "Calibration file from `enaction calibrate` for this model; without it the documented default thresholds apply",
    };

    /// <summary>The <c>--surrogate-calibration</c> option.</summary>
    internal static Option<FileInfo?> SurrogateCalibrationOption() => new("--surrogate-calibration")
    {
        Description = "Calibration from `enaction calibrate --surrogate-for ID`: judge surrogate-scored messages (another generator's) by their signature with it, as a policy's `surrogate: judge` does; without it they get no off-policy, broken-intention or overconfident-span finding",
    };

    /// <summary>Reads a surrogate calibration, refusing one fitted on the scoring model's own text.</summary>
    internal static Calibration LoadSurrogateCalibration(FileInfo file)
    {
        var calibration = LoadCalibration(file, surrogate: true);
        if (calibration.SurrogateFor is null)
            throw new CliInputException($"{file.FullName}: fitted on the scoring model's own text (no surrogate_for); pass it as --calibration, or fit a surrogate calibration with `enaction calibrate --surrogate-for ID`");
        return calibration;
    }

    /// <summary>Reads a calibration file, turning its problems into one-line input errors.</summary>
    internal static Calibration LoadCalibration(FileInfo file) => LoadCalibration(file, surrogate: false);

    private static Calibration LoadCalibration(FileInfo file, bool surrogate)
    {
        var calibration = Read(file);
        // Same-model thresholds never judge a surrogate's numbers, and a surrogate's never judge the scorer's own text.
        if (!surrogate && calibration.SurrogateFor is { } generator)
            throw new CliInputException($"{file.FullName}: a surrogate calibration (fitted on \"{generator}\"'s text); pass it as --surrogate-calibration");
        return calibration;
    }

    private static Calibration Read(FileInfo file)
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
