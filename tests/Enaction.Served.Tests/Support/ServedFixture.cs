using System.Text.Json;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Served.Tests.Support;

/// <summary>The bundled chat model (loaded once) and real transcripts to score: the PyTorch reference transcripts, the example transcript and the model's own answers.</summary>
public sealed class ServedFixture : IDisposable
{
    private readonly Lazy<CausalLanguageModel> _model = new(() =>
        CausalLanguageModel.Load(RepoPaths.InRepo("models", "tiny-chat"), new ModelOptions { ExecutionProvider = ExecutionProvider.Cpu }));
    private IReadOnlyList<Transcript>? _transcripts;

    public CausalLanguageModel Model => _model.Value;

    public static string ModelDirectory => RepoPaths.InRepo("models", "tiny-chat");

    public async Task<IReadOnlyList<Transcript>> TranscriptsAsync()
    {
        if (_transcripts is not null) return _transcripts;
        var list = new List<Transcript>();
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.InRepo("tests", "fixtures", "reference", "tiny-chat.json"))))
        {
            foreach (var t in doc.RootElement.GetProperty("transcripts").EnumerateArray())
                list.Add(new Transcript(t.GetProperty("messages").EnumerateArray().Select(m =>
                    new TranscriptMessage(MessageRoles.TryParse(m.GetProperty("role").GetString(), out var role) ? role : throw new InvalidDataException(),
                        m.GetProperty("content").GetString()!))));
        }
        list.Add(TranscriptJson.Parse(File.ReadAllBytes(RepoPaths.InRepo("examples", "transcripts", "arithmetic.json"))).Transcript);
        var generator = new LocalGenerator(Model);
        string[] prompts = ["Tell me about a small river town.", "Who was the first person on the moon?"];
        for (var i = 0; i < prompts.Length; i++)
        {
            var request = new Transcript([new TranscriptMessage(MessageRole.System, "You are a helpful assistant."), new TranscriptMessage(MessageRole.User, prompts[i])]);
            var answer = await generator.GenerateAsync(request, new GenerationOptions { Seed = 11 + i, MaxTokens = 60 });
            list.Add(new Transcript([.. request.Messages, new TranscriptMessage(MessageRole.Assistant, answer.Text)]));
        }
        return _transcripts = list;
    }

    public void Dispose()
    {
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServedCollection : ICollectionFixture<ServedFixture>
{
    public const string Name = "served";
}
