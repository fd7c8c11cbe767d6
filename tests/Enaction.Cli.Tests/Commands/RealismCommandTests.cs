using System.Text.Json;
using System.Text.RegularExpressions;
using Enaction.Onnx.Generation;
using Enaction.Onnx.Models;
using Enaction.Transcripts;

namespace Enaction.Cli.Tests.Commands;

public sealed class RealismCommandTests : IDisposable
{
    private const string Request = "Describe the bouth.";
    // Eval-style prose the model never writes: it answers in its own trained formats about its own fictional topics.
    private const string HandWritten = "Certainly! As an AI language model, I would be delighted to explain: the bouth is a rare musical instrument " +
                                       "whose origins remain disputed among scholars.";

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-realism-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static string Model => CliRunner.Model("tiny-chat");
    private static string Calibration => Path.Combine(Model, "calibration.json");

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Line(string assistant, bool? synthetic = null, string? keep = null)
    {
        var turn = new Dictionary<string, object> { ["role"] = "assistant", ["content"] = assistant };
        if (synthetic is { } s) turn["synthetic"] = s;
        if (keep is not null) turn["keep"] = keep;
        return JsonSerializer.Serialize(new
        {
            messages = new object[]
            {
                new { role = "system", content = "You are a helpful assistant." },
                new { role = "user", content = Request },
                turn,
            },
        });
    }

    private static async Task<List<JsonElement>> RunJsonAsync(params string[] args)
    {
        var r = await CliRunner.RunAsync(["realism", "--model", Model, "--json", .. args]);
        Assert.True(r.ExitCode == 0, r.Error);
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static async Task<string> OwnTurnAsync(int seed)
    {
        using var lm = CausalLanguageModel.Load(Model);
        var transcript = new Transcript([TranscriptMessage.System("You are a helpful assistant."), TranscriptMessage.User(Request)]);
        var options = GenerationOptions.ForModel(lm.Directory) with { Seed = seed };
        return (await new LocalGenerator(lm).GenerateAsync(transcript, options)).Text;
    }

    [Fact]
    public async Task A_short_turn_is_judged_by_a_word_outside_the_nucleus_or_else_too_short()
    {
        // "OK." is not a reply the model would write; the first words of its own greedy answer stay inside its nucleus.
        string ownStart;
        using (var lm = CausalLanguageModel.Load(Model))
        {
            var transcript = new Transcript([TranscriptMessage.System("You are a helpful assistant."), TranscriptMessage.User(Request)]);
            ownStart = (await new LocalGenerator(lm).GenerateAsync(transcript, new GenerationOptions { Temperature = 0, MaxTokens = 5 })).Text;
        }
        var input = Write("short.jsonl", Line("OK.", synthetic: true), Line(ownStart, synthetic: true));
        var results = await RunJsonAsync("--input", input, "--calibration", Calibration);
        var foreign = Assert.Single(results[0].GetProperty("turns").EnumerateArray().ToList());
        Assert.Contains(foreign.GetProperty("verdict").GetString(), new[] { "recognisable", "glaring" });
        Assert.Equal("nucleus", foreign.GetProperty("method").GetString());
        Assert.True(foreign.GetProperty("score").GetDouble() >= 1);
        var own = Assert.Single(results[1].GetProperty("turns").EnumerateArray().ToList());
        Assert.Equal("too-short", own.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_hand_written_synthetic_turn_is_recognisable_and_its_giveaways_lie_inside_the_turn()
    {
        var input = Write("eval.jsonl", Line(HandWritten, synthetic: true));
        var result = Assert.Single(await RunJsonAsync("--input", input, "--calibration", Calibration));

        Assert.Equal(1, result.GetProperty("line").GetInt32());
        Assert.Equal("calibrated", result.GetProperty("method").GetString());
        Assert.Equal(1, result.GetProperty("recognised").GetInt32());
        var turn = Assert.Single(result.GetProperty("turns").EnumerateArray().ToList());
        Assert.Equal(2, turn.GetProperty("message").GetInt32());
        Assert.Contains(turn.GetProperty("verdict").GetString(), new[] { "recognisable", "glaring" });
        Assert.True(turn.GetProperty("score").GetDouble() >= turn.GetProperty("threshold").GetDouble());
        Assert.Equal("calibration", turn.GetProperty("percentile_from").GetString());
        Assert.True(turn.GetProperty("percentile").GetDouble() >= 99, turn.ToString());

        var giveaways = turn.GetProperty("giveaways").EnumerateArray().ToList();
        Assert.InRange(giveaways.Count, 1, 5);
        foreach (var g in giveaways)
        {
            int start = g.GetProperty("start").GetInt32(), end = g.GetProperty("end").GetInt32();
            Assert.InRange(start, 0, HandWritten.Length - 1);
            Assert.InRange(end, start + 1, HandWritten.Length);
            Assert.Equal(HandWritten[start..end], g.GetProperty("text").GetString());
            Assert.True(g.GetProperty("gap").GetDouble() > 0);
        }
        // Largest gap first.
        var gaps = giveaways.Select(g => g.GetProperty("gap").GetDouble()).ToList();
        Assert.Equal(gaps.OrderDescending(), gaps);
    }

    [Fact]
    public async Task The_models_own_sampled_turn_in_the_same_place_blends_in()
    {
        var own = await OwnTurnAsync(seed: 7);
        var input = Write("eval.jsonl", Line(own, synthetic: true));
        var result = Assert.Single(await RunJsonAsync("--input", input, "--calibration", Calibration));

        var turn = Assert.Single(result.GetProperty("turns").EnumerateArray().ToList());
        Assert.True(turn.GetProperty("tokens").GetInt32() >= 8, own);
        Assert.Equal("blends-in", turn.GetProperty("verdict").GetString());
        Assert.True(turn.GetProperty("score").GetDouble() < turn.GetProperty("threshold").GetDouble());
        Assert.True(turn.GetProperty("percentile").GetDouble() < 99);
        Assert.Equal(0, result.GetProperty("recognised").GetInt32());
        Assert.Equal(0, result.GetProperty("recognised_share").GetDouble());
    }

    [Fact]
    public async Task Own_samples_for_the_same_context_place_the_turn_among_them()
    {
        var input = Write("eval.jsonl", Line(HandWritten));
        var result = Assert.Single(await RunJsonAsync("--input", input, "--calibration", Calibration, "--samples", "3", "--seed", "5"));

        var turn = Assert.Single(result.GetProperty("turns").EnumerateArray().ToList());
        Assert.Equal("samples", turn.GetProperty("percentile_from").GetString());
        var own = turn.GetProperty("own_sample_scores").EnumerateArray().Select(s => s.GetDouble()).ToList();
        Assert.InRange(own.Count, 1, 3);
        Assert.All(own, s => Assert.True(s < turn.GetProperty("score").GetDouble()));
        Assert.Equal(100, turn.GetProperty("percentile").GetDouble());
    }

    [Fact]
    public async Task Resample_puts_the_models_own_turn_in_place_and_it_blends_in_and_keeps_the_constraint()
    {
        const string keep = "(?i)\\bbouth\\b";
        var input = Write("eval.jsonl", Line(HandWritten, synthetic: true, keep: keep), Line(await OwnTurnAsync(seed: 7), synthetic: true));
        var results = await RunJsonAsync("--input", input, "--calibration", Calibration, "--resample", "--seed", "3");

        Assert.Equal(2, results.Count);
        Assert.Equal(1, results[0].GetProperty("replaced").GetInt32());
        var resample = results[0].GetProperty("turns")[0].GetProperty("resample");
        Assert.True(resample.GetProperty("replaced").GetBoolean());
        Assert.Equal("blends-in", resample.GetProperty("verdict").GetString());
        var content = resample.GetProperty("content").GetString()!;
        Assert.Matches(keep, content);
        Assert.NotEqual(HandWritten, content);

        // The resampled eval is ready to use: the replacement in the turn's place, marks and constraint kept.
        var resampled = results[0].GetProperty("resampled").GetProperty("messages");
        Assert.Equal(Request, resampled[1].GetProperty("content").GetString());
        Assert.Equal(content, resampled[2].GetProperty("content").GetString());
        Assert.True(resampled[2].GetProperty("synthetic").GetBoolean());
        Assert.Equal(keep, resampled[2].GetProperty("keep").GetString());

        // A turn that already blends in is left alone.
        Assert.Equal(0, results[1].GetProperty("replaced").GetInt32());
        Assert.False(results[1].GetProperty("turns")[0].TryGetProperty("resample", out _));

        // Judged again on its own, the resampled eval blends in.
        var again = Write("resampled.jsonl", results[0].GetProperty("resampled").GetRawText());
        var rejudged = Assert.Single(await RunJsonAsync("--input", again, "--calibration", Calibration));
        Assert.Equal("blends-in", rejudged.GetProperty("turns")[0].GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_constraint_no_sample_keeps_leaves_the_turn_in_place_and_says_why()
    {
        var input = Write("eval.jsonl", Line(HandWritten, synthetic: true, keep: "^As an AI language model"));
        var result = Assert.Single(await RunJsonAsync("--input", input, "--calibration", Calibration, "--resample", "--attempts", "2"));

        var resample = result.GetProperty("turns")[0].GetProperty("resample");
        Assert.False(resample.GetProperty("replaced").GetBoolean());
        Assert.Equal(2, resample.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, resample.GetProperty("content").ValueKind);
        Assert.Equal(2, resample.GetProperty("rejected").GetProperty("constraint").GetInt32());
        Assert.Equal(HandWritten, result.GetProperty("resampled").GetProperty("messages")[2].GetProperty("content").GetString());
    }

    [Fact]
    public async Task The_table_names_each_turns_verdict_and_the_files_share_recognised()
    {
        var input = Write("eval.jsonl", Line(HandWritten), Line(await OwnTurnAsync(seed: 7)));
        var r = await CliRunner.RunAsync("realism", "--model", Model, "--input", input, "--calibration", Calibration);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Matches(@"\|\s+2 \|\s+\d+ \|\s+[\d.]+ \|\s+[\d.]+ \| (recognisable|glaring) \|", r.Output);
        Assert.Contains("blends-in", r.Output);
        Assert.Contains("file: 1 of 2 judged synthetic turns in 2 transcripts recognised (50%", r.Output);
    }

    [Fact]
    public async Task The_html_report_renders_with_the_giveaways_highlighted_and_transcript_text_kept_as_text()
    {
        const string hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> " + HandWritten;
        var input = Write("eval.jsonl", Line(hostile, synthetic: true, keep: "bouth"), Line(await OwnTurnAsync(seed: 7)));
        var page = Path.Combine(_temp.FullName, "realism.html");
        var json = await RunJsonAsync("--input", input, "--calibration", Calibration, "--report", page, "--resample");
        var expected = json[0].GetProperty("turns")[0].GetProperty("giveaways").EnumerateArray().Select(g => g.GetProperty("text").GetString()).ToList();

        var dom = await ReportCommandTests.HeadlessChromium.DumpDomAsync(page, _temp);
        Assert.Contains("data-enaction-ready=\"true\"", dom);
        Assert.Contains("data-legend=\"entropy\"", dom);
        Assert.Contains("<title>Enaction realism · eval.jsonl</title>", dom);
        // Every give-away of the recognised turn is underlined in its verdict's colour, in rank order.
        var underlined = Regex.Matches(dom, "<span class=\"seg f (high|medium)\"[^>]*data-giveaway=\"(\\d+)\"[^>]*>([^<]*)</span>")
            .GroupBy(m => int.Parse(m.Groups[2].Value)).OrderBy(g => g.Key)
            .Select(g => System.Net.WebUtility.HtmlDecode(string.Concat(g.Select(m => m.Groups[3].Value)))).ToList();
        Assert.Equal(expected, underlined.Take(expected.Count));
        Assert.Matches("data-tip=\"token &quot;[^\"]*&quot;\\nentropy [\\d.]+ nats · surprisal [\\d.]+ nats · rank \\d+\\n⚑ give-away #1 · surprisal − entropy", dom);
        Assert.Contains("data-verdict=\"blends-in\"", dom);
        Assert.Contains("data-replaced=\"true\"", dom);
        Assert.True(Regex.Matches(dom, "data-token=").Count > 50);

        // The hostile markup is text: no element was injected, and every character of it is on the page.
        var text = Regex.Match(dom, "data-message=\"2\" data-role=\"assistant\" data-synthetic=\"true\"[^>]*>.*?<div class=\"text\">(.*?)</div>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(hostile, System.Net.WebUtility.HtmlDecode(Regex.Replace(text, "<[^>]+>", "")));
        Assert.DoesNotContain("<img", dom);
        Assert.Single(Regex.Matches(dom, "<script"));
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_exit_code_2()
    {
        async Task Fails(string expected, params string[] args)
        {
            var r = await CliRunner.RunAsync(["realism", "--model", Model, .. args]);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Output);
            var line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("enaction: ", line);
            Assert.Contains(expected, line);
        }

        await Fails("missing.jsonl: no such file", "--input", Path.Combine(_temp.FullName, "missing.jsonl"));
        await Fails("bad.jsonl:3:", "--input", Write("bad.jsonl", Line(HandWritten), "", "{\"messages\": [{\"role\": \"user\", \"content\": }"));
        await Fails("message 2: \"keep\" is not a valid regular expression", "--input", Write("regex.jsonl", Line(HandWritten, keep: "(unclosed")));
        await Fails("regex.jsonl:1:1", "--input", Write("regex.jsonl", Line(HandWritten, keep: "(unclosed")));
        await Fails("message 0: \"synthetic\" marks assistant turns only", "--input",
            Write("user.jsonl", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"synthetic\":true}]}"));
        await Fails("--samples: OwnSamples must be from 0 to 1000", "--input", Write("ok.jsonl", Line(HandWritten)), "--samples", "-1");
        await Fails("no such directory for --report", "--input", Write("ok.jsonl", Line(HandWritten)), "--report", Path.Combine(_temp.FullName, "no", "r.html"));
        await Fails("not for this model", "--input", Write("ok.jsonl", Line(HandWritten)), "--calibration",
            Path.Combine(CliRunner.Root, "tests", "fixtures", "records", "calibration.json"));
    }
}
