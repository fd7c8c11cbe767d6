using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Enaction.Monitoring;
using Enaction.Reporting.Inputs;
using Enaction.Scoring;

namespace Enaction.Reporting.Html;

/// <summary>
/// Writes one self-contained HTML page (inline CSS, script and SVG; a content security policy that allows no
/// network and no script but its own): every turn's transcript shaded token by token (or message by message) by
/// entropy or surprisal, findings underlined over their spans, the recorded decisions, a per-message entropy chart
/// and the calibration's ROC curves. All transcript text is HTML-encoded, with bidirectional controls and other
/// invisible characters shown as labelled marks (<see cref="VisibleText"/>); the script reads only data attributes.
/// </summary>
public static class HtmlReport
{
    /// <summary>The script's hash, which the pages' content security policy allows and nothing else.</summary>
    internal static readonly string ScriptHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(ReportAssets.Script)));

    /// <summary>Writes the page to <paramref name="path"/> through a temporary file in the same folder, so a reader
    /// never sees half a report.</summary>
    public static Task WriteFileAsync(string path, ReportDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(document);
        return WriteFileAsync(path, Render(document), cancellationToken);
    }

    /// <summary>Writes a rendered page atomically (shared with <see cref="RealismReport"/>).</summary>
    internal static Task WriteFileAsync(string path, string html, CancellationToken cancellationToken) =>
        Files.OutputFiles.WriteAsync(path, (stream, ct) => stream.WriteAsync(new UTF8Encoding(false).GetBytes(html), ct).AsTask(), cancellationToken);

    /// <summary>The page as a string.</summary>
    public static string Render(ReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var page = new Page(document);
        return page.Build();
    }

    private sealed class Page(ReportDocument doc)
    {
        private readonly StringBuilder _html = new();
        private (double Low, double High) _h = (0, 1), _s = (0, 1);

        // Every string reaches the page through here or VisibleText.Html: hidden characters become visible marks.
        private static string E(string? s) => ReportText.Encode(s);
        private static string N(double v, string format = "0.###") => ReportText.Number(v, format);
        private void W(string s) => _html.Append(s);

        public string Build()
        {
            ComputeScales();
            var tokenLevel = doc.ScoringModel is not null;
            var findings = doc.Turns.Sum(t => t.Record.Stages.Sum(s => s.Findings.Count));
            W("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
            W($"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{ScriptHash}'; img-src data:\">");
            W("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
            W($"<title>Enaction report · {E(Path.GetFileName(doc.Source))}</title><style>{ReportAssets.Css}</style></head>");
            W($"<body data-mode=\"entropy\" data-token-level=\"{(tokenLevel ? "true" : "false")}\" data-h-min=\"{N(_h.Low, "0.##")}\" data-h-max=\"{N(_h.High, "0.##")}\" data-s-min=\"{N(_s.Low, "0.##")}\" data-s-max=\"{N(_s.High, "0.##")}\">");
            W("<header class=\"top\"><h1>Enaction report</h1>");
            W($"<span class=\"meta\">{E(doc.Source)} · {doc.Turns.Count} turns · {(tokenLevel ? "tokens rescored by " + E(doc.ScoringModel) : "message-level shading")} · {E(doc.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}</span>");
            W("<span class=\"toggle\" role=\"group\" aria-label=\"Shade by\"><button type=\"button\" data-mode-button=\"entropy\" aria-pressed=\"true\">Entropy</button><button type=\"button\" data-mode-button=\"surprisal\" aria-pressed=\"false\">Surprisal</button></span>");
            W("<span id=\"legend\" aria-live=\"polite\"></span></header><main>");
            if (!tokenLevel)
                W("<p class=\"notice\" data-notice=\"message-level\">Message-level shading: each message is shaded by its recorded mean entropy or surprisal. Run <code>enaction report --model DIR</code> to rescore the transcripts and shade every token.</p>");

            Cards(findings);
            W($"<section class=\"panel\" id=\"findings\"><h2>Findings <span class=\"sub\">{findings} across {doc.Turns.Count} turns · hover a row below to outline its span</span></h2><ul id=\"finding-index\"></ul></section>");
            Calibration();
            for (var i = 0; i < doc.Turns.Count; i++) Turn(i, doc.Turns[i]);
            W("<footer>Generated by <code>enaction report</code>. Self-contained: no network access, no external resources.</footer></main>");
            W($"<script>{ReportAssets.Script}</script></body></html>\n");
            return _html.ToString();
        }

        private void Cards(int findings)
        {
            int high = 0, medium = 0, blocked = 0;
            foreach (var t in doc.Turns)
            {
                foreach (var s in t.Record.Stages)
                {
                    foreach (var f in s.Findings)
                    {
                        if (f.Severity == "high") high++;
                        else if (f.Severity == "medium") medium++;
                    }
                }
                if (t.Record.Stages.Any(s => s.Decision.Contains("block"))) blocked++;
            }
            var conversations = doc.Turns.Select(t => t.Record.ConversationId).Distinct(StringComparer.Ordinal).Count();
            W("<div class=\"cards\">");
            Card("turns", doc.Turns.Count, "");
            Card("conversations", conversations, "");
            Card("findings", findings, "");
            Card("high severity", high, "high");
            Card("medium severity", medium, "medium");
            Card("turns blocked", blocked, blocked > 0 ? "high" : "");
            W("</div>");
        }

        private void Card(string label, int n, string css) =>
            W($"<div class=\"card {css}\" data-card=\"{E(label)}\"><div class=\"n\">{n}</div><div class=\"l\">{E(label)}</div></div>");

        private void Calibration()
        {
            if (doc.Calibration is not { } calibration) return;
            W($"<section class=\"panel\" id=\"calibration\"><h2>Calibration <span class=\"sub\">{E(doc.CalibrationSource)} · model {E(calibration.ModelId)} · thresholds at target FPR {N(calibration.TargetFpr)}</span></h2>");
            if (calibration.Reports.IsEmpty)
            {
                W("<p class=\"muted\">This calibration file has no detector reports, so there is no ROC curve to draw.</p></section>");
                return;
            }
            W("<div class=\"roc-grid\">");
            foreach (var (name, report) in calibration.Reports.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                W($"<div class=\"roc\" data-roc=\"{E(name)}\"><h3>{E(name)}</h3>");
                W(SvgCharts.Roc(name, report));
                W($"<div class=\"muted\">threshold {N(report.Threshold)} · TPR {N(report.Tpr)} · FPR {N(report.Fpr)} · {report.Positives} positives / {report.Negatives} negatives</div></div>");
            }
            W("</div></section>");
        }

        private void Turn(int index, ReportTurn turn)
        {
            var r = turn.Record;
            var label = $"{r.ConversationId} · turn {r.Turn}";
            W($"<section class=\"panel turn\" id=\"turn-{index}\" data-turn=\"{index}\" data-conversation=\"{E(r.ConversationId)}\"><h2>{E(r.ConversationId)} <span class=\"sub\">turn {r.Turn}");
            if (r.Agent is not null) W($" · agent {E(r.Agent)}");
            if (r.Function is not null) W($" · function {E(r.Function)}");
            if (r.Model is not null) W($" · model {E(r.Model)}");
            W($" · {E(r.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))} · line {turn.Line}</span></h2>");
            Decisions(r);

            // Finding ids are per report, so the index, the table rows and the spans refer to one another.
            var findings = r.Stages.SelectMany(s => s.Findings.Select(f => (Stage: s.Stage, Finding: f))).ToList();
            var ids = findings.Select((_, k) => $"t{index}-f{k}").ToList();
            W("<div class=\"turn-body\">");
            var summary = MessageSummary(turn);
            for (var m = 0; m < r.Messages.Count; m++) Message(turn, m, findings, ids, summary);
            FindingsTable(r.Messages, findings, ids, label);
            var points = new List<SvgCharts.MessagePoint>();
            for (var m = 0; m < r.Messages.Count; m++)
            {
                var strongest = findings.Where(f => f.Finding.Message == m).Select(f => f.Finding.Severity)
                    .OrderByDescending(SeverityRank).FirstOrDefault();
                points.Add(new SvgCharts.MessagePoint(m, r.Messages[m].Role, summary[m].Entropy, summary[m].Surprisal, strongest));
            }
            W("<div><div class=\"muted\">Entropy over the conversation (mean per message)</div>");
            W(SvgCharts.Conversation(points, "Mean entropy and surprisal per message of " + label));
            W("</div></div></section>");
        }

        private void Decisions(TurnRecord r)
        {
            W("<div class=\"decisions\">");
            foreach (var s in r.Stages)
            {
                W($"<div class=\"decision\" data-stage=\"{E(s.Stage)}\"><span class=\"stage\">{E(s.Stage)}</span><span class=\"muted\">{E(s.Policy)}</span>");
                if (s.ScoringFailed) W($"<span class=\"chip failed\" title=\"{E(s.Failure)}\">scoring failed</span>");
                foreach (var a in s.Decision) W($"<span class=\"chip {E(a)}\" data-action=\"{E(a)}\">{E(a)}</span>");
                if (s.Decision.Count == 0) W("<span class=\"muted\">no action</span>");
                if (s.Rules.Count > 0) W("<span class=\"muted\">rules</span>");
                foreach (var rule in s.Rules) W($"<span class=\"chip rule\">{E(rule)}</span>");
                W("</div>");
            }
            if (r.Actions.Count > 0)
            {
                W("<div class=\"decision\"><span class=\"stage\">executed</span>");
                foreach (var a in r.Actions)
                    W($"<span class=\"chip {E(a.Action)}\" title=\"{E(a.Detail ?? a.Outcome)}\">{E(a.Stage)} · {E(a.Action)}: {E(a.Outcome)}</span>");
                W("</div>");
            }
            W("</div>");
        }

        private (double Entropy, double Surprisal, int Tokens)[] MessageSummary(ReportTurn turn)
        {
            var count = turn.Record.Messages.Count;
            var result = new (double, double, int)[count];
            Array.Fill(result, (double.NaN, double.NaN, 0));
            if (turn.Scores is { } scores)
            {
                foreach (var s in scores.MessageScores()) if (s.Message < count) result[s.Message] = (s.MeanEntropy, s.MeanSurprisal, s.Tokens);
                return result;
            }
            // The later stage saw the longer transcript; its summary wins for the messages both scored.
            foreach (var stage in turn.Record.Stages)
                foreach (var s in stage.Scores)
                    if (s.Message >= 0 && s.Message < count && s.Tokens > 0) result[s.Message] = (s.MeanEntropy, s.MeanSurprisal, s.Tokens);
            return result;
        }

        private void Message(ReportTurn turn, int m, List<(string Stage, RecordedFinding Finding)> findings, List<string> ids,
            (double Entropy, double Surprisal, int Tokens)[] summary)
        {
            var message = turn.Record.Messages[m];
            var generated = turn.Record.Generated.Contains(m);
            W($"<div class=\"msg {E(message.Role)}\" data-message=\"{m}\" data-role=\"{E(message.Role)}\"><div class=\"who\"><span class=\"role\">{E(message.Role)}</span>");
            if (message.Name is not null) W($"<span>{E(message.Name)}</span>");
            W($"<span>#{m}</span>");
            if (generated) W("<span class=\"gen\">generated this turn</span>");
            W($"<span>{summary[m].Tokens} tokens · mean entropy {N(summary[m].Entropy)} · mean surprisal {N(summary[m].Surprisal)} nats</span></div>");
            W("<div class=\"text\">");

            var content = message.Content;
            // Spans: rescored tokens of this message, or the whole message with its mean.
            var spans = new List<Span>();
            if (turn.Scores is { } scores)
            {
                foreach (var t in scores.Tokens)
                {
                    if (t.Message != m || t.Start < 0 || t.End <= t.Start || t.End > content.Length) continue;
                    spans.Add(new Span(t.Start, t.End, t.HasScore ? t.Entropy : double.NaN, t.HasScore ? t.Surprisal : double.NaN, t.Text, t.Rank));
                }
            }
            else if (content.Length > 0)
            {
                spans.Add(new Span(0, content.Length, summary[m].Entropy, summary[m].Surprisal, null, 0));
            }

            var mine = new List<int>();
            for (var k = 0; k < findings.Count; k++) if (findings[k].Finding.Message == m && findings[k].Finding.End > findings[k].Finding.Start) mine.Add(k);

            var cuts = new SortedSet<int> { 0, content.Length };
            foreach (var s in spans) { cuts.Add(s.Start); cuts.Add(s.End); }
            foreach (var k in mine) { cuts.Add(findings[k].Finding.Start); cuts.Add(findings[k].Finding.End); }
            // A token edge inside a surrogate pair would show each half as an unpaired surrogate: keep pairs whole.
            var edges = cuts.Where(c => c >= 0 && c <= content.Length && !(c > 0 && c < content.Length && char.IsSurrogatePair(content[c - 1], content[c]))).ToArray();
            var spanIndex = 0;
            for (var e = 0; e + 1 < edges.Length; e++)
            {
                int a = edges[e], b = edges[e + 1];
                if (a >= b) continue;
                while (spanIndex < spans.Count && spans[spanIndex].End <= a) spanIndex++;
                Span? covering = spanIndex < spans.Count && spans[spanIndex].Start <= a ? spans[spanIndex] : null;
                var over = mine.Where(k => findings[k].Finding.Start <= a && findings[k].Finding.End >= b).ToList();
                var text = VisibleText.Html(content[a..b]);
                if (covering is null && over.Count == 0)
                {
                    W(text);
                    continue;
                }
                var tip = new StringBuilder();
                var attrs = new StringBuilder();
                var css = "seg";
                if (covering is { } c)
                {
                    var h = c.H; var s = c.S;
                    attrs.Append(CultureInfo.InvariantCulture, $" data-h=\"{N(h)}\" data-s=\"{N(s)}\" style=\"--hv:{Shade(h, _h)};--sv:{Shade(s, _s)}\"");
                    if (c.Text is not null)
                    {
                        attrs.Append(CultureInfo.InvariantCulture, $" data-token=\"{c.Start}\"");
                        tip.Append(CultureInfo.InvariantCulture, $"token {Visible(c.Text)}\nentropy {N(h)} nats · surprisal {N(s)} nats · rank {(c.Rank > 0 ? c.Rank.ToString(CultureInfo.InvariantCulture) : "n/a")}");
                    }
                    else
                    {
                        attrs.Append(" data-message-level=\"true\"");
                        tip.Append(CultureInfo.InvariantCulture, $"message {m}: mean entropy {N(h)} nats · mean surprisal {N(s)} nats");
                    }
                }
                if (over.Count > 0)
                {
                    var strongest = over.Select(k => findings[k].Finding.Severity).OrderByDescending(SeverityRank).First();
                    css += " f " + strongest;
                    attrs.Append(" data-findings=\"").Append(string.Join(' ', over.Select(k => ids[k]))).Append('"');
                    foreach (var k in over)
                    {
                        var f = findings[k].Finding;
                        tip.Append(tip.Length > 0 ? "\n" : "").Append(CultureInfo.InvariantCulture,
                            $"⚑ {f.Kind} · {f.Severity} · score {N(f.Score)} (threshold {N(f.Threshold)}) · {findings[k].Stage}");
                    }
                }
                W($"<span class=\"{css}\"{attrs} title=\"{E(tip.ToString())}\">{text}</span>");
            }
            W("</div></div>");
        }

        private void FindingsTable(IReadOnlyList<RecordedMessage> messages, List<(string Stage, RecordedFinding Finding)> findings, List<string> ids, string label)
        {
            if (findings.Count == 0)
            {
                W("<p class=\"muted\">No findings on this turn.</p>");
                return;
            }
            W("<table class=\"findings\"><thead><tr><th>severity</th><th>kind</th><th>stage</th><th>message</th><th>characters</th><th class=\"num\">score</th><th class=\"num\">threshold</th><th>text</th></tr></thead><tbody>");
            for (var k = 0; k < findings.Count; k++)
            {
                var (stage, f) = findings[k];
                W($"<tr id=\"{ids[k]}\" data-finding-id=\"{ids[k]}\" data-kind=\"{E(f.Kind)}\" data-severity=\"{E(f.Severity)}\" data-score=\"{N(f.Score)}\" data-message=\"{f.Message}\" data-turn-label=\"{E(label)}\">");
                W($"<td><span class=\"sev {E(f.Severity)}\">{E(f.Severity)}</span></td><td>{E(f.Kind)}</td><td>{E(stage)}</td><td>{f.Message}</td><td>{f.Start}–{f.End}</td><td class=\"num\">{N(f.Score)}</td><td class=\"num\">{N(f.Threshold)}</td><td>{E(Excerpt(messages[f.Message].Content, f))}</td></tr>");
            }
            W("</tbody></table>");
        }

        private static string Excerpt(string content, RecordedFinding f)
        {
            if (f.End <= f.Start) return "(whole turn)";
            var text = content[f.Start..f.End].ReplaceLineEndings(" ");
            return text.Length <= 80 ? text : text[..77] + "…";
        }

        private void ComputeScales()
        {
            // Shade between the 5th and 95th percentiles: extreme tokens do not wash out the rest, and a model whose
            // entropy is high everywhere still shows where it is higher.
            var h = new List<double>();
            var s = new List<double>();
            foreach (var turn in doc.Turns)
            {
                if (turn.Scores is { } scores)
                {
                    foreach (var t in scores.Tokens)
                    {
                        if (t.IsScaffolding || !t.HasScore) continue;
                        if (float.IsFinite(t.Entropy)) h.Add(t.Entropy);
                        if (float.IsFinite(t.Surprisal)) s.Add(t.Surprisal);
                    }
                }
                else
                {
                    foreach (var stage in turn.Record.Stages)
                        foreach (var m in stage.Scores)
                        {
                            if (double.IsFinite(m.MeanEntropy)) h.Add(m.MeanEntropy);
                            if (double.IsFinite(m.MeanSurprisal)) s.Add(m.MeanSurprisal);
                        }
                }
            }
            _h = TokenShading.Range(h);
            _s = TokenShading.Range(s);
        }

        private static string Shade(double value, (double Low, double High) range) => TokenShading.Shade(value, range);

        private static int SeverityRank(string severity) => RecordedTurns.ParseSeverity(severity) is { } s ? (int)s : -1;

        /// <summary>A shaded stretch of a message: one token, or the whole message at message level.</summary>
        private readonly record struct Span(int Start, int End, double H, double S, string? Text, int Rank);

        private static string Visible(string text) => ReportText.Visible(text);
    }
}
