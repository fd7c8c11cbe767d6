using System.Globalization;
using Enaction.Detection;
using Enaction.Scoring;
using Enaction.Transcripts;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction detect</c>: one row per finding with the text it covers.</summary>
public static class FindingsTable
{
    /// <summary>Writes the findings (or a line saying there are none).</summary>
    public static void Write(TextWriter output, string model, string? calibration, Transcript transcript, IReadOnlyList<Finding> findings,
        IReadOnlyList<MessageScoring> scoring, bool surrogatesJudged = false, IReadOnlyList<ShortTurn>? ledgerAlone = null, int minTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(scoring);
        output.WriteLine($"model: {model}   calibration: {calibration ?? "none (documented defaults)"}");
        // Whose distribution each assistant message was scored with, in words: a surrogate's numbers are not the generator's.
        foreach (var s in scoring)
        {
            var off = s.Source != ScoringSource.Surrogate ? ""
                : surrogatesJudged ? "; judged with the surrogate calibration"
                : "; off-policy, broken-intention and overconfident-span do not judge it (pass --surrogate-calibration to judge)";
            output.WriteLine($"message {s.Message.ToString(CultureInfo.InvariantCulture)} by {s.Generator}: {s.Source.ToName()}, {s.Source.Describe()}{off}");
        }
        foreach (var turn in ledgerAlone ?? [])
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"message {turn.Message}: {turn.Tokens} scored tokens, fewer than the {minTokens} a signature needs: judged by the ledger alone (detect has no ledger, so it is not judged)"));
        }
        if (findings.Count == 0)
        {
            output.WriteLine("No findings.");
            return;
        }
        output.WriteLine();
        var table = new MarkdownTable("msg", "kind", "severity", "source", "score", "threshold", "span", "text").AlignRight("msg", "score", "threshold");
        foreach (var f in findings)
        {
            var content = f.Message >= 0 && f.Message < transcript.Count ? transcript[f.Message].Content : "";
            var start = Math.Clamp(f.Start, 0, content.Length);
            var end = Math.Clamp(f.End, start, content.Length);
            table.AddRow(f.Message.ToString(CultureInfo.InvariantCulture), f.Kind, EnumNames.Name(f.Severity),
                f.Detail.TryGetValue("source", out var source) ? source.ToString() ?? "" : "",
                Number(f.Score), Number(f.Threshold), $"{f.Start}-{f.End}", Preview(content[start..end]));
        }
        table.Write(output);
    }

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static string Preview(string text)
    {
        var line = text.Replace("\n", "\\n", StringComparison.Ordinal);
        return line.Length <= 60 ? line : line[..59] + "…";
    }
}
