namespace Enaction.Onnx.Models;

/// <summary>
/// A model directory, ONNX file, tokenizer or chat template that cannot be used, naming the file and what was expected.
/// </summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file or directory at fault.</param>
    /// <param name="problem">What is wrong and what was expected, as one sentence.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ModelLoadException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file or directory at fault.</summary>
    public string Path { get; }

    /// <summary>What is wrong and what was expected.</summary>
    public string Problem { get; }
}
