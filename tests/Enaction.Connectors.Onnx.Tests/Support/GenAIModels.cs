using Enaction.Onnx.Models;

namespace Enaction.Connectors.Onnx.Tests.Support;

/// <summary>The bundled tiny-chat model loaded twice, once per engine, shared by the tests (both are thread-safe).</summary>
public sealed class GenAIModels : IDisposable
{
    public static string ChatPath => RepoPaths.InRepo("models", "tiny-chat");

    private readonly Lazy<CausalLanguageModel> _model = new(() =>
        CausalLanguageModel.Load(ChatPath, new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));

    private readonly Lazy<GenAIDecodingEngine> _engine = new(() => GenAIDecodingEngine.Open(ChatPath));

    /// <summary>The project's own loader: template, tokenizer, ORT session (the scorer's model).</summary>
    public CausalLanguageModel Model => _model.Value;

    /// <summary>OnnxRuntimeGenAI over the same folder.</summary>
    public GenAIDecodingEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated) _engine.Value.Dispose();
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GenAIModelsCollection : ICollectionFixture<GenAIModels>
{
    public const string Name = "genai models";
}
