using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Enaction.Detection;

/// <summary>
/// Detector thresholds and baselines measured for one model by <c>enaction calibrate</c>. Versioned and tied to the
/// model by a hash of its ONNX file, so thresholds are never applied to a model they were not measured on.
/// </summary>
public sealed record Calibration
{
    /// <summary>The file format version this code reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Format version.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    /// <summary>The model's identifier.</summary>
    [JsonPropertyName("model_id")] public required string ModelId { get; init; }
    /// <summary>SHA-256 (hex) of the model's ONNX file.</summary>
    [JsonPropertyName("model_sha256")] public required string ModelSha256 { get; init; }
    /// <summary>When it was made.</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    /// <summary>
    /// The arithmetic the scores were computed with when it was fitted: <c>float32</c> (the default, and what files
    /// without the field mean) or <c>int8</c>. Thresholds fitted at one precision are not guaranteed at another.
    /// </summary>
    [JsonPropertyName("precision")] public string Precision { get; init; } = "float32";
    /// <summary>
    /// For a surrogate calibration: the generator whose text the model named by <see cref="ModelSha256"/> scored, not
    /// having written it, when the thresholds were fitted (<c>*</c>: any generator); null for a same-model calibration.
    /// The signature detectors judge a surrogate-scored message only under a policy that says <c>surrogate: judge</c> and
    /// only with a calibration whose <c>surrogate_for</c> names its generator (<see cref="AppliesToSurrogate"/>).
    /// </summary>
    [JsonPropertyName("surrogate_for")] public string? SurrogateFor { get; init; }
    /// <summary>The false-positive rate thresholds were chosen at.</summary>
    [JsonPropertyName("target_fpr")] public double TargetFpr { get; init; } = 0.01;
    /// <summary>The off-policy detector's combination and threshold.</summary>
    [JsonPropertyName("off_policy")] public OffPolicyCalibration? OffPolicy { get; init; }
    /// <summary>On-policy per-token entropy of content tokens: the overconfident-span baseline.</summary>
    [JsonPropertyName("overconfident_span")] public BaselineCalibration? OverconfidentSpan { get; init; }
    /// <summary>On-policy entropy of the first response tokens: the broken-intention baseline.</summary>
    [JsonPropertyName("broken_intention")] public BaselineCalibration? BrokenIntention { get; init; }
    /// <summary>
    /// Where the off-policy threshold came from when it was set from the model's own turns
    /// (<c>enaction calibrate --from-audit</c>); null for a threshold fitted on a labelled dataset.
    /// </summary>
    [JsonPropertyName("conformal")] public ConformalCalibration? Conformal { get; init; }
    /// <summary>Per-detector evaluation on the calibration data (score distributions, ROC, AUROC), by name in ordinal order.</summary>
    [JsonPropertyName("reports")] public ImmutableSortedDictionary<string, DetectorReport> Reports { get; init; } = ImmutableSortedDictionary<string, DetectorReport>.Empty.WithComparers(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads a calibration file; a malformed file or another version is a <see cref="CalibrationException"/>.</summary>
    public static Calibration Load(string path)
    {
        Calibration? calibration;
        try
        {
            calibration = JsonSerializer.Deserialize<Calibration>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new CalibrationException(path, $"not a valid calibration file at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibrationException(path, $"cannot read the file ({e.Message})", e);
        }
        if (calibration is null) throw new CalibrationException(path, "the file is empty; expected a calibration object from `enaction calibrate`");
        if (calibration.Version != CurrentVersion)
            throw new CalibrationException(path, string.Create(CultureInfo.InvariantCulture, $"calibration format version {calibration.Version}; this build reads version {CurrentVersion}: run `enaction calibrate` again"));
        calibration = calibration with { Reports = (calibration.Reports ?? ImmutableSortedDictionary<string, DetectorReport>.Empty).WithComparers(StringComparer.Ordinal) };
        calibration.Validate(path);
        return calibration;
    }

    /// <summary>
    /// Checks every value a detector computes with: finite numbers, lengths that match the features this build
    /// computes, positive spreads, rates in range. A hand-edited or corrupted file would otherwise turn a NaN threshold
    /// or a zero spread into a detector that never fires.
    /// </summary>
    /// <param name="path">The file, for the message.</param>
    /// <exception cref="CalibrationException">A value is unusable; the message names the file and the field.</exception>
    public void Validate(string path)
    {
        CalibrationException Bad(string field, string problem) => new(path, $"{field} {problem}; run `enaction calibrate` again or restore the file");
        void Finite(string field, double value)
        {
            if (!double.IsFinite(value)) throw Bad(field, FormattableString.Invariant($"is {value}; expected a finite number"));
        }
        void Positive(string field, double value)
        {
            if (!(double.IsFinite(value) && value > 0)) throw Bad(field, FormattableString.Invariant($"is {value}; expected a positive finite number (a spread)"));
        }
        void Rate(string field, double value, bool open)
        {
            var ok = open ? value > 0 && value < 1 : value >= 0 && value <= 1;
            if (!ok) throw Bad(field, FormattableString.Invariant($"is {value}; expected a rate {(open ? "between 0 and 1" : "from 0 to 1")}"));
        }

        if (string.IsNullOrEmpty(ModelSha256)) throw Bad("model_sha256", "is empty; expected the SHA-256 of the model's ONNX file");
        if (SurrogateFor is { } generator && string.IsNullOrWhiteSpace(generator))
            throw Bad("surrogate_for", "is empty; expected the generator's model id (or * for any generator), or no surrogate_for for a same-model calibration");
        Rate("target_fpr", TargetFpr, open: true);
        if (OffPolicy is { } off)
        {
            var names = TurnFeatures.VectorNames;
            if (off.Features.IsDefault) throw Bad("off_policy.features", "is missing; expected the feature names");
            // A file fitted by an earlier build weighs the features that build computed: the first ones of this build's
            // list (features are only ever appended), and the ones it does not name weigh nothing.
            if (off.Features.Length > names.Count || !off.Features.SequenceEqual(names.Take(off.Features.Length)))
                throw new CalibrationException(path, $"the off-policy combination weighs features [{string.Join(", ", off.Features)}], but this build computes [{string.Join(", ", names)}]; run `enaction calibrate` again");
            foreach (var (field, values) in new[] { ("off_policy.means", off.Means), ("off_policy.scales", off.Scales), ("off_policy.weights", off.Weights) })
            {
                var count = values.IsDefault ? 0 : values.Length;
                if (count != off.Features.Length)
                    throw Bad(field, $"has {count} values for the {off.Features.Length} features; expected one per feature");
            }
            for (var i = 0; i < off.Features.Length; i++)
            {
                Finite($"off_policy.means[{i}] ({names[i]})", off.Means[i]);
                Positive($"off_policy.scales[{i}] ({names[i]})", off.Scales[i]);
                Finite($"off_policy.weights[{i}] ({names[i]})", off.Weights[i]);
            }
            Finite("off_policy.bias", off.Bias);
            Finite("off_policy.threshold", off.Threshold);
        }
        foreach (var (field, baseline) in new[] { ("overconfident_span", OverconfidentSpan), ("broken_intention", BrokenIntention) })
        {
            if (baseline is null) continue;
            Finite(field + ".mean", baseline.Mean);
            Positive(field + ".sd", baseline.Sd);
            Finite(field + ".threshold", baseline.Threshold);
        }
        if (Conformal is { } conformal)
        {
            Rate("conformal.target_fpr", conformal.TargetFpr, open: true);
            if (conformal.SampleSize < 1 || conformal.Rank < 1 || conformal.Rank > conformal.SampleSize)
                throw Bad("conformal.rank", FormattableString.Invariant($"is {conformal.Rank} of {conformal.SampleSize} own turns; expected a rank from 1 to the sample size"));
            Finite("conformal.order_statistic", conformal.OrderStatistic);
        }
        foreach (var (name, report) in Reports)
        {
            // A report without positives has NaN AUROC and TPR by design (DetectorReports.From); anything present must be a rate.
            if (report is null) throw Bad($"reports.{name}", "is null; expected a detector report");
            if (!double.IsNaN(report.Auroc)) Rate($"reports.{name}.auroc", report.Auroc, open: false);
            if (report.Roc.IsDefault) continue;
            for (var i = 0; i < report.Roc.Length; i++)
            {
                var point = report.Roc[i];
                if (point.IsDefault || point.Length != 2) throw Bad($"reports.{name}.roc[{i}]", "is not a [fpr, tpr] pair");
                Rate($"reports.{name}.roc[{i}][0]", point[0], open: false);
                Rate($"reports.{name}.roc[{i}][1]", point[1], open: false);
            }
        }
    }

    /// <summary>Checks that this calibration was made for the model whose ONNX file has <paramref name="modelSha256"/>.</summary>
    public void EnsureFor(string modelSha256, string path)
    {
        if (!string.Equals(ModelSha256, modelSha256, StringComparison.OrdinalIgnoreCase))
            throw new CalibrationException(path, $"made for model \"{ModelId}\" (sha256 {ModelSha256[..Math.Min(12, ModelSha256.Length)]}…), not for this model (sha256 {modelSha256[..Math.Min(12, modelSha256.Length)]}…); run `enaction calibrate` for this model");
    }

    /// <summary>True for a surrogate calibration fitted on <paramref name="generator"/>'s text (or on any generator's, <c>*</c>).</summary>
    public bool AppliesToSurrogate(string generator) =>
        SurrogateFor is { } fitted && (fitted == "*" || string.Equals(fitted, generator, StringComparison.OrdinalIgnoreCase));
    /// <summary>
    /// Whether this calibration was fitted at <paramref name="scoringPrecision"/> (<c>float32</c>, <c>int8</c>; see
    /// <see cref="Scoring.IConversationScorer.Precision"/>); a scorer that cannot say (null) counts as agreeing.
    /// </summary>
    public bool FittedAt(string? scoringPrecision) =>
        scoringPrecision is null || string.Equals(Precision, scoringPrecision, StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes the file (all or nothing: through a temporary file renamed over it).</summary>
    public void Save(string path) => Files.OutputFiles.WriteAsync(path, WriteAsync).GetAwaiter().GetResult();

    /// <summary>Writes the calibration's JSON to <paramref name="stream"/>.</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellationToken = default) =>
        JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken);

    /// <summary>SHA-256 (hex) of a file, as stored in <see cref="ModelSha256"/>.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>A calibrated logistic combination of <see cref="TurnFeatures.Vector"/> and its threshold.</summary>
public sealed record OffPolicyCalibration
{
    /// <summary>Feature names, matching <see cref="TurnFeatures.VectorNames"/>.</summary>
    [JsonPropertyName("features")] public required ImmutableArray<string> Features { get; init; }
    /// <summary>Feature means used to standardise.</summary>
    [JsonPropertyName("means")] public required ImmutableArray<double> Means { get; init; }
    /// <summary>Feature standard deviations used to standardise.</summary>
    [JsonPropertyName("scales")] public required ImmutableArray<double> Scales { get; init; }
    /// <summary>Weights of the standardised features.</summary>
    [JsonPropertyName("weights")] public required ImmutableArray<double> Weights { get; init; }
    /// <summary>Intercept.</summary>
    [JsonPropertyName("bias")] public double Bias { get; init; }
    /// <summary>Score (log-odds) above which a turn is off-policy.</summary>
    [JsonPropertyName("threshold")] public double Threshold { get; init; }

    /// <summary>The log-odds that <paramref name="features"/> belong to an off-policy turn.</summary>
    public double Score(TurnFeatures features)
    {
        var x = features.Vector();
        var z = Bias;
        for (var i = 0; i < Weights.Length && i < x.Length; i++)
        {
            var v = double.IsNaN(x[i]) ? Means[i] : x[i];
            z += Weights[i] * (v - Means[i]) / (Scales[i] > 0 ? Scales[i] : 1);
        }
        return z;
    }
}

/// <summary>
/// An off-policy threshold set by split conformal calibration on the model's own turns: the
/// <see cref="Rank"/>-th smallest of <see cref="SampleSize"/> own-turn scores (next double above it).
/// </summary>
public sealed record ConformalCalibration
{
    /// <summary>The target false-positive rate.</summary>
    [JsonPropertyName("target_fpr")] public double TargetFpr { get; init; }
    /// <summary>Own-turn scores the threshold was computed from (n).</summary>
    [JsonPropertyName("sample_size")] public int SampleSize { get; init; }
    /// <summary>k = ceil((n + 1)(1 - target)).</summary>
    [JsonPropertyName("rank")] public int Rank { get; init; }
    /// <summary>The k-th smallest own-turn score.</summary>
    [JsonPropertyName("order_statistic")] public double OrderStatistic { get; init; }
    /// <summary>What the own turns were read from (the audit files).</summary>
    [JsonPropertyName("source")] public string? Source { get; init; }
}

/// <summary>A baseline distribution (mean and standard deviation) and the z-score threshold applied against it.</summary>
/// <param name="Mean">Baseline mean.</param>
/// <param name="Sd">Baseline standard deviation.</param>
/// <param name="Threshold">z-score above which the detector reports.</param>
public sealed record BaselineCalibration(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("sd")] double Sd,
    [property: JsonPropertyName("threshold")] double Threshold);

/// <summary>How a detector separated on-policy from off-policy examples during calibration.</summary>
public sealed record DetectorReport
{
    /// <summary>Area under the ROC curve.</summary>
    [JsonPropertyName("auroc")] public double Auroc { get; init; }
    /// <summary>The chosen threshold.</summary>
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    /// <summary>True-positive rate at the chosen threshold.</summary>
    [JsonPropertyName("tpr")] public double Tpr { get; init; }
    /// <summary>False-positive rate at the chosen threshold.</summary>
    [JsonPropertyName("fpr")] public double Fpr { get; init; }
    /// <summary>Negative (on-policy) and positive example counts.</summary>
    [JsonPropertyName("negatives")] public int Negatives { get; init; }
    /// <summary>Positive (off-policy) example count.</summary>
    [JsonPropertyName("positives")] public int Positives { get; init; }
    /// <summary>ROC curve points as [fpr, tpr].</summary>
    [JsonPropertyName("roc")] public ImmutableArray<ImmutableArray<double>> Roc { get; init; } = [];
    /// <summary>Score quantiles (0, 5, 25, 50, 75, 95, 100%) of negatives.</summary>
    [JsonPropertyName("negative_quantiles")] public ImmutableArray<double> NegativeQuantiles { get; init; } = [];
    /// <summary>
    /// Score of negatives (the model's own turns) at every whole percentile from 0 to 100% (101 values), so a score
    /// can be placed among the model's own turns (<c>enaction realism</c>). Empty in files written before it existed;
    /// readers fall back to <see cref="NegativeQuantiles"/>.
    /// </summary>
    [JsonPropertyName("negative_percentiles")] public ImmutableArray<double> NegativePercentiles { get; init; } = [];
    /// <summary>Score quantiles of positives.</summary>
    [JsonPropertyName("positive_quantiles")] public ImmutableArray<double> PositiveQuantiles { get; init; } = [];
}

/// <summary>A calibration file that cannot be used.</summary>
public sealed class CalibrationException(string path, string problem, Exception? inner = null)
    : Exception($"{path}: {problem}", inner)
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;
}
