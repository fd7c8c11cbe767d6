using System.Globalization;
using Enaction.Onnx.Tokenization;
using Spectre.Console;

namespace Enaction.Cli.Output;

/// <summary>The human-readable form of <c>enaction tokenize</c>: one row per token.</summary>
public static class TokenizeTable
{
    /// <summary>Writes the table.</summary>
    public static void Write(IAnsiConsole console, TextTokenizer tokenizer, string input, IReadOnlyList<int> ids, IReadOnlyList<Range> offsets)
    {
        console.MarkupLine($"[bold]tokenizer[/] {Markup.Escape(tokenizer.Kind)} ({Markup.Escape(tokenizer.SourcePath)})   [bold]tokens[/] {ids.Count}");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn(new TableColumn("id").RightAligned());
        table.AddColumn("token");
        table.AddColumn(new TableColumn("start").RightAligned());
        table.AddColumn(new TableColumn("end").RightAligned());
        table.AddColumn("text");
        for (var i = 0; i < ids.Count; i++)
        {
            var (start, end) = (offsets[i].Start.GetOffset(input.Length), offsets[i].End.GetOffset(input.Length));
            table.AddRow(
                i.ToString(CultureInfo.InvariantCulture),
                ids[i].ToString(CultureInfo.InvariantCulture),
                Markup.Escape(Visible(tokenizer.TokenText(ids[i]))),
                start.ToString(CultureInfo.InvariantCulture),
                end.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(Visible(input[start..end])));
        }
        console.Write(table);
    }

    private static string Visible(string text) =>
        text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
