using System.Globalization;
using Enaction.Cli.Output;
using Enaction.Conformal;
using Enaction.Evaluation;
using Enaction.Files;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;
using Enaction.Reporting.Inputs;
using Enaction.Transcripts;

namespace Enaction.Cli.Commands;

/// <summary>
/// <c>enaction calibrate --from-audit FILES</c>: the monitor's conformal threshold offline. The own turns the monitor
/// recorded in its audit JSONL are scored as the off-policy detector scores a judged turn (under the base calibration's
/// combination, or the curvature without one), and the calibration is written with its off-policy threshold at the
/// split-conformal quantile for the target false-positive rate (<see cref="ConformalCalibrator"/>).
/// </summary>
internal static class CalibrateFromAudit
{
    public sealed record Request(IReadOnlyList<FileInfo> Files, FileInfo Out, double TargetFpr, FileInfo? BaseCalibration, string? Agent, int Parallelism);

    public static async Task<int> RunAsync(CliContext context, CausalLanguageModel model, Request request, CancellationToken cancellationToken)
    {
        // Every file is read and checked before any scoring: a bad line fails the command at its file and line.
        var turns = new List<(Transcript Transcript, int Message)>();
        var records = 0;
        foreach (var file in request.Files)
        {
            TurnInput input;
            try
            {
                input = await TurnInputReader.ReadAsync(file.FullName, cancellationToken);
            }
            catch (TurnInputException e)
            {
                throw new CliInputException(e.Message);
            }
            catch (TranscriptFormatException e)
            {
                throw new CliInputException(e.Message);
            }
            if (input.Kind != TurnInputKind.Records)
                throw new CliInputException($"{file.FullName}: holds transcripts, not audit records; --from-audit reads the monitor's audit JSONL (turns-*.jsonl in Enaction:AuditDirectory)");
            foreach (var warning in input.Warnings) await context.Error.WriteLineAsync("enaction: warning: " + warning);
            foreach (var (_, record) in input.Records)
            {
                if (request.Agent is { } agent && !string.Equals(record.Agent, agent, StringComparison.Ordinal)) continue;
                records++;
                var transcript = RecordedTurns.ToTranscript(record);
                foreach (var m in ConformalCalibrator.OwnTurns(record)) turns.Add((transcript, m));
            }
        }

        var baseCalibration = request.BaseCalibration is { } b ? DetectCommand.LoadCalibration(b) : null;
        if (baseCalibration is not null) DetectCommand.EnsureCalibrationFor(baseCalibration, request.BaseCalibration!, model, context.Error);
        using var scorer = new OnnxConversationScorer(model);
        var scores = await ProgressDisplay.RunAsync(context.ErrorConsole, stage =>
            ConformalCalibrator.ScoreAsync(scorer, turns, baseCalibration, null, stage($"scoring {turns.Count} own turns", turns.Count), request.Parallelism, cancellationToken));
        var usable = scores.Where(double.IsFinite).ToList();
        var source = string.Join(", ", request.Files.Select(f => f.FullName));
        var threshold = ConformalQuantile.Threshold(usable, request.TargetFpr)
            ?? throw new CliInputException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: {usable.Count} own turns long enough to judge (of {turns.Count} in {records} records{(request.Agent is null ? "" : $" of agent {request.Agent}")}); a target false-positive rate of {request.TargetFpr} needs at least {ConformalQuantile.MinimumSample(request.TargetFpr)}"));

        var calibration = ConformalCalibrator.Apply(baseCalibration, threshold, model.Id, Detection.Calibration.HashFile(model.Directory.OnnxPath),
            "audit: " + source, DateTimeOffset.UtcNow) with { Precision = CalibrationPrecision.NameOf(model.Precision) };
        await OutputFiles.WriteAsync(request.Out.FullName, calibration.WriteAsync, cancellationToken);
        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"off-policy threshold {threshold.Value:0.######} ({(baseCalibration?.OffPolicy is null ? "curvature" : "calibrated combination")}): the {threshold.Rank}th smallest of {threshold.SampleSize} own-turn scores from {records} audit records; expected false-positive rate {threshold.ExpectedFpr:0.####} (target {request.TargetFpr}, at least {Math.Max(0, request.TargetFpr - 1.0 / (threshold.SampleSize + 1)):0.####}); written to {request.Out.FullName}"));
        return 0;
    }
}
