using Enaction.Onnx.Models;

namespace Enaction.Onnx.Templates;

/// <summary>
/// Finds a model folder's template: a named built-in style when one is given, else the first of the host's
/// recognisers that knows the folder's template, else the built-in recogniser (native families, then Jinja).
/// </summary>
public static class ChatTemplateResolver
{
    /// <summary>
    /// The template of <paramref name="modelDirectory"/>. <paramref name="styleOverride"/> forces a built-in style
    /// (<see cref="ChatTemplate.SupportedStyles"/>); <paramref name="recognizers"/> are asked first, in order.
    /// Throws <see cref="ModelLoadException"/> for a missing template nothing recognises, or an unusable one.
    /// </summary>
    public static IChatTemplate Load(string modelDirectory, string? styleOverride = null, IEnumerable<IChatTemplateRecognizer>? recognizers = null)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        var source = ChatTemplateSource.Read(modelDirectory);
        if (string.IsNullOrWhiteSpace(styleOverride) && recognizers is not null)
        {
            foreach (var recognizer in recognizers)
                if (recognizer.Recognize(source) is { } template) return template;
        }
        return ChatTemplate.Load(modelDirectory, source, styleOverride);
    }
}
