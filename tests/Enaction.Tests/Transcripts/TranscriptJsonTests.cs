using System.Text;
using Enaction.Transcripts;

namespace Enaction.Tests.Transcripts;

public class TranscriptJsonTests
{
    private static TranscriptDocument Parse(string json) => TranscriptJson.Parse(Encoding.UTF8.GetBytes(json), "t.json");

    [Fact]
    public void Reads_every_role_and_keeps_content_exactly()
    {
        var doc = Parse("""
            {"messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"Hi \u00e9t\u00e9\n"},
              {"role":"assistant","content":"Hello."},
              {"role":"tool","content":"42","name":"calc"}
            ],"target":2}
            """);
        Assert.Equal(4, doc.Transcript.Count);
        Assert.Equal(MessageRole.System, doc.Transcript[0].Role);
        Assert.Equal("Hi été\n", doc.Transcript[1].Content);
        Assert.Equal(MessageRole.Tool, doc.Transcript[3].Role);
        Assert.Equal("calc", doc.Transcript[3].Name);
        Assert.Equal(2, doc.Properties["target"].GetInt32());
    }

    [Fact]
    public void Invalid_json_reports_line_and_column()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => Parse("{\"messages\":[\n  {\"role\":\"user\" \"content\":\"x\"}]}"));
        Assert.Equal(2, e.Line);
        Assert.StartsWith("t.json:2:", e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Unknown_role_names_the_message_line_and_accepted_roles()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => Parse("{\"messages\":[\n{\"role\":\"user\",\"content\":\"a\"},\n{\"role\":\"robot\",\"content\":\"b\"}]}"));
        Assert.Equal(3, e.Line);
        Assert.Contains("unknown role \"robot\"", e.Message);
        Assert.Contains(MessageRoles.Accepted, e.Message);
    }

    [Fact]
    public void Empty_transcript_is_rejected()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => Parse("{\"messages\":[]}"));
        Assert.Contains("empty", e.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{\"turns\":[]}", "no \"messages\"")]
    [InlineData("{\"messages\":[{\"role\":\"user\"}]}", "no \"content\"")]
    [InlineData("{\"messages\":[{\"content\":\"x\"}]}", "no \"role\"")]
    public void Malformed_documents_say_what_was_expected(string json, string expected)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => Parse(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Round_trips_through_the_writer()
    {
        var t = new Transcript([TranscriptMessage.User("q \"quoted\""), TranscriptMessage.Assistant("a\nb"), TranscriptMessage.Tool("{}", "f")]);
        var again = Parse(TranscriptJson.ToJson(t)).Transcript;
        Assert.Equal(t, again);
    }

    [Fact]
    public void Jsonl_line_offsets_are_reported_against_the_file()
    {
        var e = Assert.Throws<TranscriptFormatException>(() =>
            TranscriptJson.Parse(Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"x\",\"content\":\"\"}]}"), "d.jsonl", firstLine: 7));
        Assert.Equal(7, e.Line);
    }
}
