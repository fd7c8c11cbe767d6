using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Enaction.Cli.Tests.Commands;

public sealed partial class ReportCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("enaction-report-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static readonly string Records = CliRunner.Fixture("records", "turns.jsonl");
    // The fixture's ROC data is synthetic; tie it to the tiny-chat committed now, so retraining the bundled model
    // does not invalidate the fixture (the report still rejects a calibration made for another model, tested below).
    private static readonly Lazy<string> CalibrationForTinyChat = new(() =>
    {
        var fixture = CliRunner.Fixture("records", "calibration.json");
        var hash = Enaction.Detection.Calibration.HashFile(Path.Combine(CliRunner.Model("tiny-chat"), "model.onnx"));
        var recorded = Enaction.Detection.Calibration.Load(fixture).ModelSha256;
        var path = Path.Combine(Path.GetTempPath(), $"enaction-report-calibration-{hash[..16]}.json");
        File.WriteAllText(path, File.ReadAllText(fixture).Replace(recorded, hash, StringComparison.Ordinal));
        return path;
    });

    private static string Calibration => CalibrationForTinyChat.Value;
    private string Out(string name = "report.html") => Path.Combine(_temp.FullName, name);

    private static int Count(string html, string pattern) => Regex.Matches(html, pattern).Count;

    [Fact]
    public async Task Rendered_page_has_shaded_tokens_findings_and_charts()
    {
        var r = await CliRunner.RunAsync("report", "--input", Records, "--out", Out(), "--model", CliRunner.Model("tiny-chat"), "--calibration", Calibration);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("6 turns, 5 findings, token-level shading", r.Output);

        var dom = await HeadlessChromium.DumpDomAsync(Out(), _temp);
        // The script ran: it marks the page ready, builds the legend and the findings index from the rows.
        Assert.Contains("data-enaction-ready=\"true\"", dom);
        Assert.Contains("data-legend=\"entropy\"", dom);
        Assert.Equal(5, Count(dom, "<li data-index-for=\"t\\d+-f\\d+\""));
        Assert.Contains("id=\"tip\"", dom);
        // Titles became custom tooltips with the token's numbers and the finding's kind, severity and score.
        Assert.DoesNotContain(" title=\"", Regex.Replace(dom, "<title>.*?</title>", ""));
        Assert.Matches("data-tip=\"token &quot;[^\"]*&quot;\\nentropy \\d", dom);
        Assert.Contains("⚑ overconfident-span · medium · score 2.91 (threshold 2.5) · response", dom);

        // Token-level shading: every content token of every message is a span with both scores.
        Assert.True(Count(dom, "<span class=\"seg[^\"]*\" data-h=\"[\\d.]+\" data-s=\"[\\d.]+\" style=\"--hv:[\\d.]+;--sv:[\\d.]+\" data-token=") > 300);
        Assert.DoesNotContain("data-message-level", dom);
        Assert.DoesNotContain("data-notice=\"message-level\"", dom);

        // Findings over their character spans, by severity; the table rows they refer to.
        var overconfident = Regex.Matches(dom, "<span class=\"seg f medium\"[^>]*data-findings=\"t1-f0\"[^>]*>([^<]*)</span>");
        Assert.Equal("exactly 4,750 requests per minute", string.Concat(overconfident.Select(m => m.Groups[1].Value)));
        Assert.Matches("<span class=\"seg f high\"[^>]*data-findings=\"t2-f0\"", dom);
        Assert.Equal(5, Count(dom, "<tr id=\"t\\d+-f\\d+\" data-finding-id="));

        // One per-message entropy chart per turn, with both series; one ROC per calibration report.
        Assert.Equal(6, Count(dom, "data-chart=\"entropy\""));
        Assert.Equal(6, Count(dom, "data-series=\"entropy\""));
        Assert.Equal(6, Count(dom, "data-series=\"surprisal\""));
        Assert.Equal(2, Count(dom, "data-chart=\"roc\""));
        Assert.Contains("data-detector=\"off-policy\"", dom);
        Assert.Contains("class=\"chosen\" data-threshold=\"1.1\"", dom);
        Assert.Contains("AUROC 0.913", dom);

        // Transcript markup stays text, every character of it: no element was injected.
        var turn = dom[dom.IndexOf("id=\"turn-2\"", StringComparison.Ordinal)..];
        var body = Regex.Match(turn, "data-message=\"3\" data-role=\"user\">.*?<div class=\"text\">(.*?)</div></div>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal("Earlier you promised me a full refund <script>alert('x')</script><img src=x onerror=alert(1)> remember?",
            System.Net.WebUtility.HtmlDecode(Regex.Replace(body, "<[^>]+>", "")));
        Assert.DoesNotContain("<img", dom);
        Assert.Equal(1, Count(dom, "<script"));
    }

    [Fact]
    public async Task Without_a_model_messages_are_shaded_by_their_recorded_means_and_the_page_says_so()
    {
        var r = await CliRunner.RunAsync("report", "--input", Records, "--out", Out());
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("no --model given", r.Error);

        var dom = await HeadlessChromium.DumpDomAsync(Out(), _temp);
        Assert.Contains("data-enaction-ready=\"true\"", dom);
        Assert.Contains("data-notice=\"message-level\"", dom);
        Assert.Contains("data-token-level=\"false\"", dom);
        Assert.DoesNotContain("data-token=", dom);
        Assert.True(Count(dom, "data-message-level=\"true\"") >= 20);
        Assert.Equal(5, Count(dom, "<li data-index-for="));
        Assert.Equal(0, Count(dom, "data-chart=\"roc\""));
        Assert.Contains("<body data-mode=\"entropy\"", dom);

        // The toggle's other view: shaded by surprisal, with its own legend and the button pressed.
        dom = await HeadlessChromium.DumpDomAsync(Out(), _temp, "surprisal");
        Assert.Contains("<body data-mode=\"surprisal\"", dom);
        Assert.Contains("data-legend=\"surprisal\"", dom);
        Assert.Contains("data-mode-button=\"surprisal\" aria-pressed=\"true\"", dom);
        Assert.Contains("data-mode-button=\"entropy\" aria-pressed=\"false\"", dom);
    }

    [Fact]
    public async Task Transcripts_are_scored_and_detected_for_the_report()
    {
        var r = await CliRunner.RunAsync("report", "--input", CliRunner.Fixture("records", "transcripts.jsonl"), "--out", Out(),
            "--model", CliRunner.Model("tiny-chat"), "--calibration", Calibration);
        Assert.True(r.ExitCode == 0, r.Error);
        var dom = await HeadlessChromium.DumpDomAsync(Out(), _temp);
        Assert.Equal(3, Count(dom, "data-chart=\"entropy\""));
        Assert.Contains("data-conversation=\"line 3\"", dom);
        Assert.Contains("data-kind=\"evaluation-awareness\"", dom);
        Assert.True(Count(dom, "data-token=") > 20);
    }

    [Fact]
    public async Task The_page_is_self_contained_and_allows_no_network()
    {
        var r = await CliRunner.RunAsync("report", "--input", Records, "--out", Out(), "--calibration", Calibration);
        Assert.Equal(0, r.ExitCode);
        var html = await File.ReadAllTextAsync(Out());
        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none';", html);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
    }

    [Fact]
    public async Task Bad_input_leaves_an_existing_report_untouched_and_no_temporary_file()
    {
        await File.WriteAllTextAsync(Out(), "previous report");
        var bad = Path.Combine(_temp.FullName, "bad.jsonl");
        await File.WriteAllLinesAsync(bad, [File.ReadLines(Records).First(), "{\"conversation_id\": 5,"]);
        var r = await CliRunner.RunAsync("report", "--input", bad, "--out", Out());
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("enaction: ", r.Error);
        Assert.Contains("bad.jsonl:2: ", r.Error);
        Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("previous report", await File.ReadAllTextAsync(Out()));
        Assert.Equal(["bad.jsonl", "report.html"], _temp.GetFiles().Select(f => f.Name).Order());

        r = await CliRunner.RunAsync("report", "--input", Records, "--out", Path.Combine(_temp.FullName, "missing", "r.html"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no such directory for --out", r.Error);

        r = await CliRunner.RunAsync("report", "--input", Records, "--out", Out(), "--model", CliRunner.Model("tiny-base"), "--calibration", Calibration);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not for this model", r.Error);
        Assert.Equal("previous report", await File.ReadAllTextAsync(Out()));

        r = await CliRunner.RunAsync("report", "--input", Records, "--out", Out());
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("<!DOCTYPE html>", await File.ReadAllTextAsync(Out()));
        Assert.Equal(["bad.jsonl", "report.html"], _temp.GetFiles().Select(f => f.Name).Order());
    }

    /// <summary>Debian's chromium, run headless on a local file with everything that would reach the network off.</summary>
    internal static class HeadlessChromium
    {
        private const string Install = "The HTML report test renders the page in a real headless browser: install Debian chromium with " +
            "`sudo apt-get install -y chromium` (CI runs .ci/install-deps, which does this).";

        public static async Task<string> DumpDomAsync(string file, DirectoryInfo scratch, string? fragment = null)
        {
            var chromium = Find() ?? throw new Xunit.Sdk.XunitException("chromium was not found at /usr/bin/chromium or on PATH. " + Install);
            var profile = scratch.CreateSubdirectory("chromium-profile-" + Guid.NewGuid().ToString("N")[..8]);
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile.FullName,
                         "--virtual-time-budget=2000", "--dump-dom", new Uri(file).AbsoluteUri + (fragment is null ? "" : "#" + fragment),
                     })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException("chromium did not finish rendering the report within 90 s");
            }
            var dom = await stdout;
            if (process.ExitCode != 0 || !dom.Contains("</html>", StringComparison.Ordinal))
                throw new Xunit.Sdk.XunitException($"chromium exited with {process.ExitCode} without a DOM: {await stderr}");
            return dom;
        }

        private static string? Find()
        {
            if (File.Exists("/usr/bin/chromium")) return "/usr/bin/chromium";
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, "chromium");
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }
}
