using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Tokenization;

/// <summary>tests/fixtures/reference/tiny-chat.json: strings and transcripts with the ids the Python tokenizer gives.</summary>
internal sealed class TinyChatReference
{
    public required int VocabularySize { get; init; }
    public required IReadOnlyList<(string Text, int[] Ids)> Checks { get; init; }
    public required IReadOnlyList<(string Name, Transcript Transcript, string Text, int[] Ids)> Transcripts { get; init; }

    private static readonly Lazy<TinyChatReference> Instance = new(Read);

    public static TinyChatReference Load() => Instance.Value;

    private static TinyChatReference Read()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Fixture("reference", "tiny-chat.json")));
        var root = doc.RootElement;
        var checks = root.GetProperty("tokenizer_checks").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!, Ids(c.GetProperty("ids")))).ToList();
        var transcripts = root.GetProperty("transcripts").EnumerateArray().Select(t =>
        {
            var messages = t.GetProperty("messages").EnumerateArray().Select(m =>
            {
                Assert.True(MessageRoles.TryParse(m.GetProperty("role").GetString(), out var role));
                return new TranscriptMessage(role, m.GetProperty("content").GetString()!);
            });
            return (t.GetProperty("name").GetString()!, new Transcript(messages), t.GetProperty("text").GetString()!, Ids(t.GetProperty("token_ids")));
        }).ToList();
        return new TinyChatReference { VocabularySize = root.GetProperty("vocab_size").GetInt32(), Checks = checks, Transcripts = transcripts };
    }

    private static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
