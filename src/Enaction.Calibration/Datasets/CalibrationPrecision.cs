using Enaction.Onnx.Models;
using Microsoft.Extensions.Logging;

namespace Enaction.Evaluation;

/// <summary>
/// Whether a calibration's thresholds were fitted at the precision a model scores with. Int8 scoring moves per-token
/// entropy and surprisal slightly, so thresholds fitted on float32 scores are not guaranteed on int8 scores: applying
/// one anyway is allowed, but never silently.
/// </summary>
public static class CalibrationPrecision
{
    /// <summary>The name a calibration file records for <paramref name="precision"/> (<c>float32</c>, <c>int8</c>).</summary>
    public static string NameOf(ScoringPrecision precision) => EnumNames.Name(precision);

    /// <summary>
    /// A one-line warning when <paramref name="calibration"/> was fitted at another precision than
    /// <paramref name="model"/> scores with, or null when they agree.
    /// </summary>
    /// <param name="calibration">The calibration.</param>
    /// <param name="model">The model it is applied to.</param>
    /// <param name="calibrationPath">The calibration's file, for the message.</param>
    public static string? Mismatch(Detection.Calibration calibration, CausalLanguageModel model, string calibrationPath)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(model);
        var scoring = NameOf(model.Precision);
        return calibration.FittedAt(scoring) ? null
            : $"{calibrationPath}: fitted on {calibration.Precision} scores, applied to {model.Id} scoring in {scoring}; " +
              $"its thresholds are not guaranteed at this precision (fit one with `enaction calibrate --precision {scoring}`)";
    }

    /// <summary>Logs <see cref="Mismatch"/> as a warning event (<c>CalibrationPrecisionMismatch</c>) and returns whether they agree.</summary>
    /// <param name="calibration">The calibration.</param>
    /// <param name="model">The model it is applied to.</param>
    /// <param name="calibrationPath">The calibration's file, for the event.</param>
    /// <param name="logger">Where the warning goes.</param>
    public static bool Check(Detection.Calibration calibration, CausalLanguageModel model, string calibrationPath, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (Mismatch(calibration, model, calibrationPath) is null) return true;
        Monitoring.MonitorEvents.CalibrationPrecisionMismatch(logger, calibrationPath, calibration.Precision, model.Id, NameOf(model.Precision));
        return false;
    }
}
