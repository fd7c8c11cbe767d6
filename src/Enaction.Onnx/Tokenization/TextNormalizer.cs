using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tokenization;

/// <summary>
/// The <c>normalizer</c> of a <c>tokenizer.json</c>: NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip or a
/// Sequence of them, each applied with alignments back to the original text (<see cref="NormalizedText"/>).
/// Anything else is a <see cref="ModelLoadException"/> naming the component.
/// </summary>
internal sealed class TextNormalizer
{
    /// <summary>The normalizer types this loader applies, for error messages.</summary>
    public const string Supported = "NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence";

    private readonly List<Func<NormalizedText, NormalizedText>> _steps;

    private TextNormalizer(List<Func<NormalizedText, NormalizedText>> steps) => _steps = steps;

    /// <summary>A normalizer that changes nothing.</summary>
    public static TextNormalizer None { get; } = new([]);

    /// <summary>Whether the text passes through unchanged.</summary>
    public bool IsIdentity => _steps.Count == 0;

    /// <summary>Normalizes <paramref name="text"/>.</summary>
    public NormalizedText Apply(string text)
    {
        var normalized = NormalizedText.Identity(text);
        foreach (var step in _steps) normalized = step(normalized);
        return normalized;
    }

    /// <summary>Reads the <c>normalizer</c> element of <paramref name="path"/> (absent or null: none).</summary>
    public static TextNormalizer Load(string path, JsonElement normalizer)
    {
        var steps = new List<Func<NormalizedText, NormalizedText>>();
        Read(path, normalizer, steps);
        return steps.Count == 0 ? None : new TextNormalizer(steps);
    }

    private static void Read(string path, JsonElement n, List<Func<NormalizedText, NormalizedText>> steps)
    {
        if (n.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
        var type = ModelJson.String(n, "type");
        switch (type)
        {
            case "NFC": steps.Add(t => t.Normalize(NormalizationForm.FormC)); break;
            case "NFD": steps.Add(t => t.Normalize(NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(t => t.Normalize(NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(t => t.Normalize(NormalizationForm.FormKD)); break;
            case "Lowercase": steps.Add(t => t.Lowercase()); break;
            case "Strip":
                var left = ModelJson.Bool(n, "strip_left") ?? true;
                var right = ModelJson.Bool(n, "strip_right") ?? true;
                steps.Add(t => t.Strip(left, right));
                break;
            case "Prepend":
                var prefix = ModelJson.String(n, "prepend") ?? throw new ModelLoadException(path, "normalizer Prepend needs a \"prepend\" string");
                steps.Add(t => t.Prepend(prefix));
                break;
            case "Replace":
                var pattern = Pattern(path, "normalizer Replace", n);
                var content = ModelJson.String(n, "content") ?? throw new ModelLoadException(path, "normalizer Replace needs a \"content\" string");
                steps.Add(t => t.Replace(pattern, content));
                break;
            case "Sequence":
                if (!n.TryGetProperty("normalizers", out var list) || list.ValueKind != JsonValueKind.Array)
                    throw new ModelLoadException(path, "normalizer Sequence needs a \"normalizers\" array");
                foreach (var item in list.EnumerateArray()) Read(path, item, steps);
                break;
            default:
                throw new ModelLoadException(path, $"normalizer \"{type}\" is not supported; supported: {Supported}");
        }
    }

    /// <summary>A <c>pattern</c> of <c>{"String": ...}</c> (literal) or <c>{"Regex": ...}</c>, as HF writes them.</summary>
    internal static Regex Pattern(string path, string component, JsonElement parent)
    {
        parent.TryGetProperty("pattern", out var pattern);
        if (ModelJson.String(pattern, "Regex") is { } regex) return HuggingFaceBpe.NewRegex(path, regex);
        if (ModelJson.String(pattern, "String") is { } literal)
        {
            if (literal.Length == 0) throw new ModelLoadException(path, $"{component} has an empty \"String\" pattern");
            return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant);
        }
        throw new ModelLoadException(path, $"{component} needs pattern {{\"Regex\": ...}} or {{\"String\": ...}}");
    }
}
