using System.Text;
using Enaction.Evaluation;
using Enaction.Transcripts;

namespace Enaction.Tests.Evaluation;

public class LabelledTranscriptJsonlTests
{
    private static IReadOnlyList<LabelledTranscript> Parse(string text) => LabelledTranscriptJsonl.Parse(Encoding.UTF8.GetBytes(text), "d.jsonl");

    [Fact]
    public void Lines_round_trip()
    {
        var example = new LabelledTranscript(
            new Transcript([TranscriptMessage.System("s"), TranscriptMessage.User("Tell me\nabout \"it\"."), TranscriptMessage.Assistant("It is a café.")]),
            2, true, OffPolicySources.Prefill, "open-ended", 5);
        var line = LabelledTranscriptJsonl.ToLine(example);
        Assert.DoesNotContain("\n", line);
        var back = Assert.Single(Parse(line + "\n\n"));
        Assert.Equal(example.Transcript, back.Transcript);
        Assert.Equal(example with { Transcript = back.Transcript }, back);
    }

    [Fact]
    public void Errors_name_the_file_and_line()
    {
        const string good = """{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"target":1,"off_policy":false,"source":"own","family":"f"}""";
        var e = Assert.Throws<TranscriptFormatException>(() => Parse(good + "\n" + good + "\n{\"messages\":[}\n"));
        Assert.StartsWith("d.jsonl:3:", e.Message);

        e = Assert.Throws<TranscriptFormatException>(() => Parse(good.Replace("\"target\":1", "\"target\":0")));
        Assert.StartsWith("d.jsonl:1:", e.Message);
        Assert.Contains("assistant", e.Message);

        e = Assert.Throws<TranscriptFormatException>(() => Parse(good + "\n" + good.Replace("\"off_policy\":false,", "")));
        Assert.StartsWith("d.jsonl:2:", e.Message);
        Assert.Contains("off_policy", e.Message);

        e = Assert.Throws<TranscriptFormatException>(() => Parse(good.Replace("\"target\":1", "\"target\":7")));
        Assert.Contains("messages 0 to 1", e.Message);

        e = Assert.Throws<TranscriptFormatException>(() => Parse(good.Replace("\"source\":\"own\"", "\"source\":\"corpus\"")));
        Assert.Contains("off_policy", e.Message);
    }
}
