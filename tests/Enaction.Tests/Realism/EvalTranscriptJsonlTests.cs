using System.Text;
using Enaction.Realism;
using Enaction.Transcripts;

namespace Enaction.Tests.Realism;

public sealed class EvalTranscriptJsonlTests
{
    private static EvalTranscript Parse(string json, int line = 1) => EvalTranscriptJsonl.ParseLine(Encoding.UTF8.GetBytes(json), "eval.jsonl", line);

    [Fact]
    public void Without_marks_every_assistant_turn_is_synthetic()
    {
        var eval = Parse("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d","keep":"d"}]}""");
        Assert.Equal(new[] { 1, 3 }, eval.Synthetic.ToArray());
        Assert.Equal(new[] { 3 }, eval.Keep.Keys.ToArray());
    }

    [Fact]
    public void With_marks_only_turns_marked_synthetic_are_judged()
    {
        var eval = Parse("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d","synthetic":true}]}""");
        Assert.Equal(new[] { 3 }, eval.Synthetic.ToArray());
        eval = Parse("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","synthetic":false}]}""");
        Assert.Empty(eval.Synthetic);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","keep":"(x"}]}""", "eval.jsonl:4:1: message 1: \"keep\" is not a valid regular expression")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","keep":5}]}""", "message 1: \"keep\" must be a regular expression in a string")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","keep":""}]}""", "message 1: \"keep\" is empty")]
    [InlineData("""{"messages":[{"role":"user","content":"a","keep":"a"}]}""", "message 0: \"keep\" applies to assistant turns only")]
    [InlineData("""{"messages":[{"role":"assistant","content":"b","synthetic":"yes"}]}""", "message 0: \"synthetic\" must be true or false")]
    [InlineData("""{"messages":[{"role":"assistant","content":"b","synthetic":false,"keep":"b"}]}""", "message 0: \"keep\" is set on a turn marked \"synthetic\": false")]
    [InlineData("""{"messages":[{"role":"assistant","content":"b"}""", "eval.jsonl:4:")]
    public void Bad_lines_name_the_file_line_and_message(string json, string expected)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => Parse(json, line: 4));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_keep_expression_that_runs_too_long_is_stopped()
    {
        var eval = Parse("""{"messages":[{"role":"assistant","content":"b","keep":"^(a+)+$"}]}""");
        var regex = eval.Keep[0];
        Assert.Equal(EvalTranscriptJsonl.KeepMatchTimeout, regex.MatchTimeout);
        Assert.Throws<System.Text.RegularExpressions.RegexMatchTimeoutException>(() => regex.IsMatch(new string('a', 40) + "!"));
    }

    [Fact]
    public void A_written_line_reads_back_with_its_marks_and_the_new_messages()
    {
        var eval = Parse("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","synthetic":true,"keep":"[bc]"},{"role":"assistant","content":"c","synthetic":false}]}""");
        var replaced = new Transcript(eval.Transcript.Messages.SetItem(1, TranscriptMessage.Assistant("c <b>")));
        var back = Parse(EvalTranscriptJsonl.ToLine(eval, replaced));
        Assert.Equal(replaced, back.Transcript);
        Assert.Equal(eval.Synthetic.ToArray(), back.Synthetic.ToArray());
        Assert.Equal("[bc]", back.Keep[1].ToString());
    }

    [Fact]
    public async Task A_missing_or_empty_file_is_an_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "enaction-eval-" + Guid.NewGuid().ToString("N") + ".jsonl");
        var e = await Assert.ThrowsAsync<TranscriptFormatException>(() => EvalTranscriptJsonl.LoadAsync(path));
        Assert.Contains(path + ": no such file", e.Message);
        await File.WriteAllTextAsync(path, "\n  \n");
        try
        {
            e = await Assert.ThrowsAsync<TranscriptFormatException>(() => EvalTranscriptJsonl.LoadAsync(path));
            Assert.Contains("the file is empty", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
