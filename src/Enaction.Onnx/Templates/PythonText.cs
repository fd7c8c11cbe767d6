namespace Enaction.Onnx.Templates;

/// <summary>Python's notion of whitespace, which Jinja's <c>trim</c> and <c>str.strip()</c> use.</summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace()</c> for one UTF-16 unit: .NET's set plus U+001C..U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');
}
