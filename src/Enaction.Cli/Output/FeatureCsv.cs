using System.Globalization;
using Enaction.Detection;
using Enaction.Evaluation;

namespace Enaction.Cli.Output;

/// <summary>
/// One CSV row per scored example: where it came from, its label, the detector's off-policy score and every feature of
/// <see cref="TurnFeatures.VectorNames"/> (empty where not computed), in dataset order.
/// </summary>
internal static class FeatureCsv
{
    public static void Write(TextWriter writer, IReadOnlyList<ScoredExample> examples, Calibration? calibration)
    {
        var detector = new OffPolicyDetector();
        writer.WriteLine(string.Join(',', ["example", "source", "family", "off_policy", "tokens", "score", .. TurnFeatures.VectorNames]));
        for (var i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            if (e.Features is not { } f) continue;
            var cells = new List<string>
            {
                (i + 1).ToString(CultureInfo.InvariantCulture),
                Cell(e.Example.Source),
                Cell(e.Example.Family),
                e.Example.OffPolicy ? "true" : "false",
                f.Tokens.ToString(CultureInfo.InvariantCulture),
                Number(detector.Signature(f, calibration).Score),
            };
            cells.AddRange(f.Vector().Select(Number));
            writer.WriteLine(string.Join(',', cells));
        }
    }

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>RFC 4180 quoting for text cells.</summary>
    private static string Cell(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
