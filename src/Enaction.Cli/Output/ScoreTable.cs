using System.Globalization;
using Enaction.Scoring;
using Enaction.Transcripts;
using Spectre.Console;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction score</c>: per-message means, then every token.</summary>
public static class ScoreTable
{
    /// <summary>Writes the tables.</summary>
    public static void Write(IAnsiConsole console, ScoredTranscript scored)
    {
        console.MarkupLine($"[bold]model[/] {Markup.Escape(scored.ModelId)}   [bold]tokens[/] {scored.Tokens.Length}");

        var perMessage = new Table().Border(TableBorder.Rounded).Title("Per message (means over content tokens, nats)");
        perMessage.AddColumn("#");
        perMessage.AddColumn("role");
        perMessage.AddColumn(new TableColumn("tokens").RightAligned());
        perMessage.AddColumn(new TableColumn("entropy").RightAligned());
        perMessage.AddColumn(new TableColumn("surprisal").RightAligned());
        perMessage.AddColumn("content");
        foreach (var m in scored.MessageScores())
        {
            perMessage.AddRow(
                m.Message.ToString(CultureInfo.InvariantCulture),
                m.Role.ToName(),
                m.Tokens.ToString(CultureInfo.InvariantCulture),
                Number(m.MeanEntropy),
                Number(m.MeanSurprisal),
                Markup.Escape(Preview(scored.Transcript[m.Message].Content)));
        }
        console.Write(perMessage);

        var tokens = new Table().Border(TableBorder.Simple).Title("Tokens");
        tokens.AddColumn(new TableColumn("pos").RightAligned());
        tokens.AddColumn("msg");
        tokens.AddColumn("token");
        tokens.AddColumn(new TableColumn("entropy").RightAligned());
        tokens.AddColumn(new TableColumn("surprisal").RightAligned());
        tokens.AddColumn(new TableColumn("rank").RightAligned());
        for (var i = 0; i < scored.Tokens.Length; i++)
        {
            var t = scored.Tokens[i];
            tokens.AddRow(
                i.ToString(CultureInfo.InvariantCulture),
                t.IsScaffolding ? "-" : $"{t.Message}:{t.Role!.Value.ToName()}",
                Markup.Escape(Visible(t.Text)),
                t.HasScore ? Number(t.Entropy) : "",
                t.HasScore ? Number(t.Surprisal) : "",
                t.HasScore ? t.Rank.ToString(CultureInfo.InvariantCulture) : "");
        }
        console.Write(tokens);
    }

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Visible(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    private static string Preview(string content)
    {
        var line = Visible(content);
        return line.Length <= 48 ? line : line[..47] + "…";
    }
}
