using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Onnx.Scoring;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>The bundled tiny-chat model, loaded once per test run and shared (it is thread-safe).</summary>
public sealed class BundledModel : IDisposable
{
    private readonly Lazy<CausalLanguageModel> _model = new(() =>
        CausalLanguageModel.Load(TestPaths.InRepo("models", "tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));

    public CausalLanguageModel Model => _model.Value;

    public OnnxConversationScorer Scorer() => new(Model);

    /// <summary>The model as a generator; small max tokens keep the suite fast.</summary>
    public OnnxChatClient Generator(int maxTokens = 12, int seed = 3) =>
        new(Model, new GenerationOptions { MaxTokens = maxTokens, Seed = seed, Temperature = 0.8f });

    public void Dispose()
    {
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BundledModelCollection : ICollectionFixture<BundledModel>
{
    public const string Name = "bundled model";
}
