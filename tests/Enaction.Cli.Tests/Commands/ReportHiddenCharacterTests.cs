using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Enaction.Cli.Tests.Commands;

/// <summary>
/// Bidirectional-text spoofing and hidden characters in the HTML report: a recorded turn whose every text field
/// carries bidi overrides, isolates, marks, zero-width and tag characters must reach the page with none of them raw,
/// each one shown as a visible, labelled mark, in the file and in the DOM a real browser builds from it.
/// </summary>
public sealed class ReportHiddenCharacterTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-report-hidden-");

    public void Dispose() => _temp.Delete(recursive: true);

    private const string Hidden = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C\u200B\u200C\u200D\u2060\uFEFF\u00AD\u0007";

    private static readonly Regex Raw = new("[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B-\u200D\u2060\uFEFF\u00AD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|\uDB40[\uDC00-\uDC7F]");

    /// <summary>The first fixture record, with hidden characters in every text field a page shows.</summary>
    private string SpoofedRecords()
    {
        var record = JsonNode.Parse(File.ReadLines(CliRunner.Fixture("records", "turns.jsonl")).First())!.AsObject();
        record["conversation_id"] = "acct-\u202E4321\u202C-9";
        record["agent"] = "pay\u2067er\u2069";
        record["function"] = "transfer\u200B_funds";
        record["model"] = "m\u200Fodel";
        var messages = record["messages"]!.AsArray();
        // "Pay 1234" then an override that makes "txt.exe" read "exe.txt", a tag-character payload and a bell.
        messages[1]!["content"] = "Pay to account 1234\u202E5678\u202C now, open invoice\u202Etxt.exe\u202C. " + Hidden + " \U000E0041\U000E0042 \U0001F600 end";
        messages[1]!["name"] = "cust\u2066omer\u2069";
        var stage = record["stages"]![0]!.AsObject();
        stage["policy"] = "default\u202E 1.0";
        stage["rules"] = new JsonArray("rule\u202Ename");
        stage["findings"] = new JsonArray(new JsonObject
        {
            ["kind"] = "off-policy", ["severity"] = "high", ["score"] = 3.4, ["threshold"] = 1.1, ["message"] = 1, ["start"] = 15, ["end"] = 30,
        });
        record["actions"] = new JsonArray(new JsonObject { ["stage"] = "request", ["action"] = "log", ["outcome"] = "logged\u202E", ["detail"] = "de\u202Etail" });
        var path = Path.Combine(_temp.FullName, "spoofed.jsonl");
        File.WriteAllText(path, record.ToJsonString() + "\n");
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bidi_controls_and_invisible_characters_are_shown_as_marks_everywhere(bool tokenLevel)
    {
        var input = SpoofedRecords();
        var output = Path.Combine(_temp.FullName, "report.html");
        string[] args = tokenLevel
            ? ["report", "--input", input, "--out", output, "--model", CliRunner.Model("tiny-chat")]
            : ["report", "--input", input, "--out", output];
        var r = await CliRunner.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.Error);

        var html = await File.ReadAllTextAsync(output);
        Assert.DoesNotMatch(Raw, html);
        var dom = await ReportCommandTests.HeadlessChromium.DumpDomAsync(output, _temp);
        Assert.DoesNotMatch(Raw, dom);
        Assert.Contains("data-enaction-ready=\"true\"", dom);

        // In message text: a labelled span per character, its code point and name in the tooltip.
        Assert.Contains("<span class=\"ctl\" data-ctl=\"U+202E\"", dom);
        Assert.Contains("data-tip=\"U+202E RIGHT-TO-LEFT OVERRIDE", dom);
        foreach (var code in new[] { "U+202A", "U+202B", "U+202C", "U+202D", "U+2066", "U+2067", "U+2068", "U+2069", "U+200E", "U+200F", "U+061C", "U+200B", "U+FEFF", "U+0007", "U+E0041" })
            Assert.Contains($"data-ctl=\"{code}\"", dom);
        // The text reads in storage order with the marks visible: nothing is reversed.
        var text = WebUtility.HtmlDecode(Regex.Replace(Regex.Match(dom, "data-message=\"1\" data-role=\"user\">.*?<div class=\"text\">(.*?)</div></div>", RegexOptions.Singleline).Groups[1].Value, "<[^>]+>", ""));
        Assert.StartsWith("Pay to account 1234RLO5678PDF now, open invoiceRLOtxt.exePDF. ", text);
        Assert.Contains("TAG ATAG B \U0001F600 end", text);

        // In attributes and headings (conversation, agent, function, model, name, policy, rules, actions, findings index).
        Assert.Contains("data-conversation=\"acct-⟨RLO⟩4321⟨PDF⟩-9\"", dom);
        Assert.Contains("agent pay⟨RLI⟩er⟨PDI⟩", dom);
        Assert.Contains("function transfer⟨ZWSP⟩_funds", dom);
        Assert.Contains("model m⟨RLM⟩odel", dom);
        Assert.Contains("cust⟨LRI⟩omer⟨PDI⟩", dom);
        Assert.Contains("default⟨RLO⟩ 1.0", dom);
        Assert.Contains("rule⟨RLO⟩name", dom);
        Assert.Contains("logged⟨RLO⟩", dom);
        Assert.Matches("<li data-index-for=\"t0-f0\"[^>]*>.*acct-⟨RLO⟩4321⟨PDF⟩-9", dom);
    }
}
