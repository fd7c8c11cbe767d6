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

    [Fact]
    public void Reads_a_shape_with_earlier_requests_and_a_tool_call()
    {
        var p = CalibrationPromptJsonl.ParseLine("""{"prompt":"Tell me about Gafan.","shape":"tools","history":["What is 2 + 3?"],"tool_call":"call lookup({\"entity\":\"Gafan\"})","tool_result":"Gafan is a town."}""", "p.jsonl", 1);
        Assert.Equal(ConversationShapes.Tools, p.Shape);
        Assert.Equal(["What is 2 + 3?"], p.History.ToArray());
        var t = p.ToTranscript(["It is 5."]);
        Assert.Equal([MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant, MessageRole.Tool], t.Messages.Select(m => m.Role));
        Assert.Equal("It is 5.", t[1].Content);
        Assert.Equal("call lookup({\"entity\":\"Gafan\"})", t[3].Content);
        Assert.Equal("Gafan is a town.", t[4].Content);
        Assert.Equal(ConversationShapes.Single, CalibrationPromptJsonl.ParseLine("""{"prompt":"Hi"}""", "p.jsonl", 1).Shape);
    }

    [Theory]
    [InlineData("{\"prompt\":", "p.jsonl:4:")]
    [InlineData("{\"prompt\":\"x\",\"history\":\"y\"}", "\"history\" must be an array")]
    [InlineData("{\"prompt\":\"x\",\"history\":[\" \"]}", "an entry of \"history\" is empty")]
    [InlineData("{\"prompt\":\"x\",\"tool_call\":\"call f()\"}", "go together")]
    [InlineData("{\"prompt\":\"x\",\"shape\":\"\"}", "\"shape\" is empty")]
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
