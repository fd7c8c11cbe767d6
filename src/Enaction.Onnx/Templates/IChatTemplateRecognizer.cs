namespace Enaction.Onnx.Templates;

/// <summary>
/// Decides which template a model folder's chat template is. Recognisers are asked in order (a host's first, the
/// built-in <see cref="BuiltInChatTemplateRecognizer"/> last); the first to answer wins. A host adds one to render a
/// template family the built-in renderers do not know, or to render a known one its own way
/// (<see cref="Models.ModelOptions.ChatTemplateRecognizers"/>, or <c>AddChatTemplateRecognizer</c> in DI).
/// </summary>
public interface IChatTemplateRecognizer
{
    /// <summary>The template for <paramref name="source"/>, or null when this recogniser does not know it.</summary>
    /// <exception cref="Models.ModelLoadException">The recogniser knows the template but cannot use it (the message names the file).</exception>
    IChatTemplate? Recognize(ChatTemplateSource source);
}
