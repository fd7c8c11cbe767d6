using Enaction.Onnx.Models;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>Loads each bundled model once per test run; models are thread-safe and shared by the tests.</summary>
public sealed class BundledModels : IDisposable
{
    private readonly Lazy<CausalLanguageModel> _chat = new(() => CausalLanguageModel.Load(TestPaths.Model("tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));
    private readonly Lazy<CausalLanguageModel> _base = new(() => CausalLanguageModel.Load(TestPaths.Model("tiny-base"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));

    public CausalLanguageModel Chat => _chat.Value;
    public CausalLanguageModel Base => _base.Value;

    public CausalLanguageModel Get(string name) => name switch
    {
        "tiny-chat" => Chat,
        "tiny-base" => Base,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public void Dispose()
    {
        if (_chat.IsValueCreated) _chat.Value.Dispose();
        if (_base.IsValueCreated) _base.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BundledModelsCollection : ICollectionFixture<BundledModels>
{
    public const string Name = "bundled models";
}
