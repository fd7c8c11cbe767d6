using System.Text;

namespace Enaction.Cli.Output;

/// <summary>
/// A plain-text table in Markdown pipe syntax: readable in a terminal at any width, and pasteable into documents
/// (the quality report is built from these).
/// </summary>
public sealed class MarkdownTable(params string[] columns)
{
    private readonly List<string[]> _rows = [];
    private readonly bool[] _right = new bool[columns.Length];

    /// <summary>Right-aligns the named columns (numbers).</summary>
    public MarkdownTable AlignRight(params string[] names)
    {
        foreach (var name in names) _right[Array.IndexOf(columns, name)] = true;
        return this;
    }

    /// <summary>Adds a row; cells beyond the columns are ignored and missing ones are empty.</summary>
    public void AddRow(params string[] cells) => _rows.Add([.. Enumerable.Range(0, columns.Length).Select(i => i < cells.Length ? Clean(cells[i]) : "")]);

    /// <summary>Writes the table, with columns padded to their widest cell.</summary>
    public void Write(TextWriter output)
    {
        var widths = columns.Select((c, i) => Math.Max(3, _rows.Select(r => r[i].Length).Append(c.Length).Max())).ToArray();
        var line = new StringBuilder();
        void Row(IReadOnlyList<string> cells)
        {
            line.Clear().Append('|');
            for (var i = 0; i < cells.Count; i++)
                line.Append(' ').Append(_right[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i])).Append(" |");
            output.WriteLine(line.ToString());
        }
        Row(columns);
        line.Clear().Append('|');
        for (var i = 0; i < columns.Length; i++)
            line.Append(_right[i] ? " " + new string('-', widths[i] - 1) + ": |" : " " + new string('-', widths[i]) + " |");
        output.WriteLine(line.ToString());
        foreach (var r in _rows) Row(r);
    }

    private static string Clean(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
