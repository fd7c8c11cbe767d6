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
    /// <summary>The false-positive rate thresholds were chosen at.</summary>
    [JsonPropertyName("target_fpr")] public double TargetFpr { get; init; } = 0.01;
    /// <summary>The off-policy detector's combination and threshold.</summary>
    [JsonPropertyName("off_policy")] public OffPolicyCalibration? OffPolicy { get; init; }
    /// <summary>On-policy per-token entropy of content tokens: the overconfident-span baseline.</summary>
    [JsonPropertyName("overconfident_span")] public BaselineCalibration? OverconfidentSpan { get; init; }
    /// <summary>On-policy entropy of the first response tokens: the broken-intention baseline.</summary>
    [JsonPropertyName("broken_intention")] public BaselineCalibration? BrokenIntention { get; init; }
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
        calibration = calibration with { Reports = calibration.Reports.WithComparers(StringComparer.Ordinal) };
        if (calibration.OffPolicy is { } off && !off.Features.SequenceEqual(TurnFeatures.VectorNames))
            throw new CalibrationException(path, $"the off-policy combination weighs features [{string.Join(", ", off.Features)}], but this build computes [{string.Join(", ", TurnFeatures.VectorNames)}]; run `enaction calibrate` again");
        return calibration;
    }

    /// <summary>Checks that this calibration was made for the model whose ONNX file has <paramref name="modelSha256"/>.</summary>
    public void EnsureFor(string modelSha256, string path)
    {
        if (!string.Equals(ModelSha256, modelSha256, StringComparison.OrdinalIgnoreCase))
            throw new CalibrationException(path, $"made for model \"{ModelId}\" (sha256 {ModelSha256[..Math.Min(12, ModelSha256.Length)]}…), not for this model (sha256 {modelSha256[..Math.Min(12, modelSha256.Length)]}…); run `enaction calibrate` for this model");
    }

    /// <summary>Writes the file.</summary>
    public void Save(string path) => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Json));

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
