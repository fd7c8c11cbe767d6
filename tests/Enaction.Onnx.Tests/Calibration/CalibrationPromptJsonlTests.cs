using Enaction.Evaluation;
using Enaction.Transcripts;

namespace Enaction.Onnx.Tests.Calibration;

public class CalibrationPromptJsonlTests
{
    [Fact]
    public void Reads_every_field_and_builds_the_prompt_transcript()
    {
        var p = CalibrationPromptJsonl.ParseLine("""{"prompt":"Tell me about Gafan.","family":"open-ended","system":"Be brief.","topic":"Gafan","answers":["a","b"]}""", "p.jsonl", 1);
        Assert.Equal("open-ended", p.Family);
        Assert.Equal("Gafan", p.Topic);
        Assert.Equal(["a", "b"], p.Answers.ToArray());
        var t = p.ToTranscript();
        Assert.Equal([MessageRole.System, MessageRole.User], t.Messages.Select(m => m.Role));

        var bare = CalibrationPromptJsonl.ParseLine("""{"prompt":"Hi"}""", "p.jsonl", 1);
        Assert.Equal("unknown", bare.Family);
        Assert.Empty(bare.Answers);
        Assert.Single(bare.ToTranscript().Messages);
    }

    [Theory]
    [InlineData("{\"prompt\":", "p.jsonl:4:")]
    [InlineData("{\"family\":\"x\"}", "\"prompt\" is missing")]
    [InlineData("{\"prompt\":\"x\",\"answers\":\"y\"}", "\"answers\" must be an array")]
    [InlineData("[1]", "expected an object")]
    public void Bad_lines_name_the_file_and_line(string line, string expected)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => CalibrationPromptJsonl.ParseLine(line, "p.jsonl", 4));
        Assert.StartsWith("p.jsonl:4:", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
