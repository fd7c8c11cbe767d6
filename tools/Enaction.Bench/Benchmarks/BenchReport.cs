using System.Text.Json.Serialization;
using System.Text.Json;
using Enaction.Cli;
using Spectre.Console;

namespace Enaction.Bench.Benchmarks;

/// <summary>Writes a benchmark result: one line of snake_case JSON with --json, otherwise a readable summary.</summary>
public static class BenchReport
{
    /// <summary>The JSON settings every bench result uses.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="result"/>.</summary>
    public static void Write<T>(CliContext context, T result, bool json)
    {
        var element = JsonSerializer.SerializeToElement(result, JsonOptions);
        if (json)
        {
            context.Output.WriteLine(element.GetRawText());
            return;
        }
        WriteObject(context, element, "");
    }

    private static void WriteObject(CliContext context, JsonElement element, string indent)
    {
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    context.Output.WriteLine($"{indent}{property.Name}:");
                    WriteObject(context, value, indent + "  ");
                    break;
                case JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Object:
                    var table = new Table();
                    foreach (var column in value[0].EnumerateObject()) table.AddColumn(column.Name);
                    foreach (var row in value.EnumerateArray())
                        table.AddRow([.. row.EnumerateObject().Select(c => Markup.Escape(c.Value.ToString()))]);
                    context.Console.Write(table);
                    break;
                case JsonValueKind.Array:
                    context.Output.WriteLine($"{indent}{property.Name}: [{string.Join(", ", value.EnumerateArray().Select(v => v.ToString()))}]");
                    break;
                default:
                    context.Output.WriteLine($"{indent}{property.Name}: {value}");
                    break;
            }
        }
    }
}
