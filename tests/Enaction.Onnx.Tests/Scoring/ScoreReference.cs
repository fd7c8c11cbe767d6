using System.Text.Json;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Scoring;

/// <summary>PyTorch reference scores written by tools/fixture-model (reference.json / tests/fixtures/reference/*.json).</summary>
internal sealed record ScoreReference(string Name, Transcript Transcript, int[] Ids, double?[] Entropy, double?[] Surprisal, int?[] Rank,
    IReadOnlyList<(int Position, float[] Logits)> Logits)
{
    public static IReadOnlyList<ScoreReference> Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("transcripts").EnumerateArray().Select(t => new ScoreReference(
            t.GetProperty("name").GetString()!,
            new Transcript(t.GetProperty("messages").EnumerateArray().Select(m =>
            {
                Assert.True(MessageRoles.TryParse(m.GetProperty("role").GetString(), out var role));
                return new TranscriptMessage(role, m.GetProperty("content").GetString()!);
            })),
            t.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            t.GetProperty("entropy").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray(),
            t.GetProperty("surprisal").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray(),
            t.GetProperty("rank").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : e.GetInt32()).ToArray(),
            t.TryGetProperty("logits_check", out var checks)
                ? checks.EnumerateArray().Select(c => (c.GetProperty("position").GetInt32(), c.GetProperty("logits").EnumerateArray().Select(v => v.GetSingle()).ToArray())).ToList()
                : [])).ToList();
    }
}
