using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Tokenization;

/// <summary>
/// A reference.json written by tools/fixture-model: <c>tokenizer_checks</c> (text and Python ids) and
/// <c>transcripts</c> (messages, rendered text and Python token ids).
/// </summary>
internal sealed class FixtureReference
{
    public required int VocabularySize { get; init; }
    public required IReadOnlyList<(string Text, int[] Ids)> Checks { get; init; }
    public required IReadOnlyList<(string Name, Transcript Transcript, string Text, int[] Ids)> Transcripts { get; init; }

    public static FixtureReference Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
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
        return new FixtureReference { VocabularySize = root.GetProperty("vocab_size").GetInt32(), Checks = checks, Transcripts = transcripts };
    }

    private static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
