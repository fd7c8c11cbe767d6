namespace Enaction.Connectors.Onnx;

/// <summary>
/// An OnnxRuntimeGenAI execution provider for the generator, as Semantic Kernel's ONNX connector names it:
/// <c>cpu</c>, <c>cuda</c>, <c>dml</c>, ... with provider options (see OnnxRuntimeGenAI's <c>provider_options</c>).
/// </summary>
public sealed class Provider
{
    /// <summary>Creates a provider entry.</summary>
    /// <param name="id">The provider name, for example <c>cuda</c>.</param>
    public Provider(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
    }

    /// <summary>The provider name.</summary>
    public string Id { get; }

    /// <summary>Provider options, for example <c>device_id</c>.</summary>
    public Dictionary<string, string> Options { get; init; } = [];
}
