using System.Globalization;
using Enaction.Realism;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction realism</c>: a table of synthetic turns per transcript and the file's share.</summary>
public static class RealismTable
{
    /// <summary>Writes every transcript's table, then the file's summary.</summary>
    public static void Write(TextWriter output, string model, string? calibration, IReadOnlyList<TranscriptRealism> results, RealismAnalyzer analyzer)
    {
        output.WriteLine($"model: {model}   calibration: {calibration ?? "none (curvature z, documented default)"}   threshold: {Number(analyzer.Threshold)} ({analyzer.Method})");
        foreach (var result in results)
        {
            output.WriteLine();
            output.WriteLine($"line {result.Eval.Line}: {result.Recognised} of {result.Judged} judged synthetic turns recognised ({Share(result.RecognisedShare)})" +
                             (result.Turns.Any(t => t.Resample is not null) ? $", {result.Replaced} replaced" : ""));
            if (result.Turns.IsEmpty) continue;
            var table = new MarkdownTable("msg", "tokens", "score", "percentile", "verdict", "give-aways", "resample")
                .AlignRight("msg", "tokens", "score", "percentile");
            foreach (var t in result.Turns)
            {
                table.AddRow(t.Message.ToString(CultureInfo.InvariantCulture), t.Tokens.ToString(CultureInfo.InvariantCulture),
                    t.Method == Enaction.Detection.OffPolicyDetector.NucleusMethod ? $"{Number(t.Score)} exit(s)" : Number(t.Score),
                    t.Percentile is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) : "-", t.Verdict.ToName(),
                    string.Join(", ", t.Giveaways.Select(g => $"\"{g.Text.Replace("\n", "\\n", StringComparison.Ordinal)}\" {g.Start}-{g.End}")),
                    Resample(t.Resample));
            }
            table.Write(output);
        }
        output.WriteLine();
        output.WriteLine(Summary(results, analyzer));
    }

    /// <summary>One line: the share of the file's judged synthetic turns recognised at the threshold.</summary>
    public static string Summary(IReadOnlyList<TranscriptRealism> results, RealismAnalyzer analyzer)
    {
        int judged = 0, recognised = 0, glaring = 0, tooShort = 0;
        foreach (var r in results)
        {
            judged += r.Judged;
            recognised += r.Recognised;
            glaring += r.Glaring;
            tooShort += r.Turns.Length - r.Judged;
        }
        var share = judged == 0 ? double.NaN : (double)recognised / judged;
        return $"file: {recognised} of {judged} judged synthetic turns in {results.Count} transcripts recognised ({Share(share)}; {glaring} glaring) " +
               $"at threshold {Number(analyzer.Threshold)} ({analyzer.Method})" + (tooShort > 0 ? $"; {tooShort} too short to judge" : "");
    }

    private static string Resample(ResampleOutcome? r) => r switch
    {
        null => "",
        { Replaced: true } => $"replaced (attempt {r.Attempts}, score {Number(r.Realism?.Score ?? double.NaN)})",
        _ => $"not replaced after {r.Attempts}: " + string.Join(", ", r.Rejected.Select(p => $"{p.Key} {p.Value}")),
    };

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static string Share(double v) => double.IsFinite(v) ? v.ToString("0%", CultureInfo.InvariantCulture) : "n/a";
}
