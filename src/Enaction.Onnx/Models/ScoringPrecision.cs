using System.Text.Json.Serialization;

namespace Enaction.Onnx.Models;

/// <summary>The arithmetic a model is scored with; calibration files and options name it <c>float32</c> or <c>int8</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScoringPrecision>))]
public enum ScoringPrecision
{
    /// <summary>Exact float32: the model's own <c>model.onnx</c>. The default, and what calibrations are fitted with.</summary>
    [JsonStringEnumMemberName("float32")]
    Float32,

    /// <summary>
    /// 8-bit integer matrix products: <see cref="ModelDirectory.Int8FileName"/> beside the float32 file, whose linear
    /// layers quantize activations per token at run time and hold weights per output column
    /// (<c>tools/fixture-model/fuse.py DIR --int8</c> writes it). Faster and cheaper, not exact: per-token entropy
    /// moves by up to about a quarter of a nat on the bundled model (docs/performance.md), so a calibration fitted on
    /// float32 scores raises a warning when it is applied to int8 scores.
    /// </summary>
    [JsonStringEnumMemberName("int8")]
    Int8,
}
