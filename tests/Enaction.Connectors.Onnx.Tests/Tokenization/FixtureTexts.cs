using System.Text.Json;

namespace Enaction.Connectors.Onnx.Tests.Tokenization;

/// <summary>
/// Every text in the repository's fixtures (tests/fixtures, examples/transcripts): each string in a JSON or JSONL
/// file, the whole of any other text file; tokenizer data files and binaries are skipped. Also the PyTorch-side
/// tokenizer checks of the bundled references (text with the ids the trainer's tokenizer gave it).
/// Linked into tools/tokenizer-parity.
/// </summary>
public static class FixtureTexts
{
    private static readonly HashSet<string> Skipped = ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model"];

    /// <summary>(file, text) for every fixture text under <paramref name="repoRoot"/>.</summary>
    public static IEnumerable<(string File, string Text)> All(string repoRoot)
    {
        var files = Directory.EnumerateFiles(Path.Combine(repoRoot, "tests", "fixtures"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(repoRoot, "examples", "transcripts"), "*.json"))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var ext = Path.GetExtension(file);
            if (Skipped.Contains(name) || ext is ".onnx" or ".tiktoken" or ".data") continue;
            var relative = Path.GetRelativePath(repoRoot, file);
            if (ext == ".json")
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                foreach (var s in Strings(doc.RootElement)) yield return (relative, s);
            }
            else if (ext == ".jsonl")
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    using var doc = JsonDocument.Parse(line);
                    foreach (var s in Strings(doc.RootElement)) yield return (relative, s);
                }
            }
            else
            {
                yield return (relative, File.ReadAllText(file));
            }
        }
    }

    /// <summary>(model, text, ids) from tests/fixtures/reference/*.json <c>tokenizer_checks</c>: ids from the trainer's tokenizer.</summary>
    public static IEnumerable<(string Model, string Text, int[] Ids)> TrainerChecks(string repoRoot)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(repoRoot, "tests", "fixtures", "reference"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var model = doc.RootElement.GetProperty("model").GetString()!;
            foreach (var check in doc.RootElement.GetProperty("tokenizer_checks").EnumerateArray())
                yield return (model, check.GetProperty("text").GetString()!, [.. check.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32())]);
        }
    }

    private static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var s = element.GetString();
                if (!string.IsNullOrEmpty(s)) yield return s;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var x in Strings(item)) yield return x;
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    foreach (var x in Strings(property.Value)) yield return x;
                break;
        }
    }
}
