using System.Globalization;
using System.Text;
using Enaction.Realism;
using Enaction.Transcripts;

namespace Enaction.Reporting.Html;

/// <summary>
/// The self-contained HTML page of <c>enaction realism</c>: each eval transcript with its tokens shaded by entropy or
/// surprisal as in <see cref="HtmlReport"/> (same stylesheet, script, toggle and content security policy), every
/// synthetic turn's verdict, score and percentile, its give-away tokens underlined in the verdict's colour, and the
/// replacement where one was offered. All transcript text is HTML-encoded.
/// </summary>
public static class RealismReport
{
    // Verdict chips and the replacement block; the rest is the shared stylesheet.
    private const string Css = """
.chip.verdict{font-weight:700}
.chip.verdict.glaring{background:#fee2e2;border-color:#fca5a5;color:#991b1b}
.chip.verdict.recognisable{background:#ffedd5;border-color:#fdba74;color:#9a3412}
.chip.verdict.blends-in{background:#dcfce7;border-color:#86efac;color:#166534}
.chip.verdict.too-short{background:#f1f5f9;color:#475569}
.replacement{border-top:1px dashed var(--line);background:#f0fdf4}
.replacement>.who{display:flex;gap:8px;align-items:center;font-size:12px;padding:5px 10px;background:#dcfce7;color:var(--muted)}
.replacement[data-replaced=false],.replacement[data-replaced=false]>.who{background:#f8fafc}
""";

    /// <summary>Writes the page to <paramref name="path"/> through a temporary file in the same folder.</summary>
    public static Task WriteFileAsync(string path, RealismReportDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(document);
        return HtmlReport.WriteFileAsync(path, Render(document), cancellationToken);
    }

    /// <summary>The page as a string.</summary>
    public static string Render(RealismReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new Page(document).Build();
    }

    private sealed class Page(RealismReportDocument doc) : PageBuilder
    {


        public string Build()
        {
            ComputeScales();
            int turns = 0, judged = 0, recognised = 0, glaring = 0, replaced = 0;
            foreach (var t in doc.Transcripts)
            {
                turns += t.Turns.Length;
                judged += t.Judged;
                recognised += t.Recognised;
                glaring += t.Glaring;
                replaced += t.Replaced;
            }
            var share = judged == 0 ? double.NaN : (double)recognised / judged;
            var resampled = doc.Transcripts.Any(t => t.Turns.Any(u => u.Resample is not null));

            W("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
            W($"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{HtmlReport.ScriptHash}'; img-src data:\">");
            W("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
            W($"<title>Enaction realism · {E(Path.GetFileName(doc.Source))}</title><style>{ReportAssets.Css}{Css}</style></head>");
            W($"<body data-mode=\"entropy\" data-token-level=\"true\" data-h-min=\"{N(_h.Low, "0.##")}\" data-h-max=\"{N(_h.High, "0.##")}\" data-s-min=\"{N(_s.Low, "0.##")}\" data-s-max=\"{N(_s.High, "0.##")}\">");
            W("<header class=\"top\"><h1>Enaction realism</h1>");
            W($"<span class=\"meta\">{E(doc.Source)} · {doc.Transcripts.Count} transcripts · model under test {E(doc.Model)} · threshold {N(doc.Threshold)} ({E(doc.Method)}{(doc.CalibrationSource is null ? "" : ", " + E(doc.CalibrationSource))}) · {E(doc.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}</span>");
            W("<span class=\"toggle\" role=\"group\" aria-label=\"Shade by\"><button type=\"button\" data-mode-button=\"entropy\" aria-pressed=\"true\">Entropy</button><button type=\"button\" data-mode-button=\"surprisal\" aria-pressed=\"false\">Surprisal</button></span>");
            W("<span id=\"legend\" aria-live=\"polite\"></span></header><main>");
            W("<div class=\"cards\">");
            Card("transcripts", doc.Transcripts.Count.ToString(CultureInfo.InvariantCulture), "");
            Card("synthetic turns", turns.ToString(CultureInfo.InvariantCulture), "");
            Card("recognisable or glaring", recognised.ToString(CultureInfo.InvariantCulture), recognised > 0 ? "medium" : "");
            Card("glaring", glaring.ToString(CultureInfo.InvariantCulture), glaring > 0 ? "high" : "");
            Card("share recognised", double.IsFinite(share) ? share.ToString("0%", CultureInfo.InvariantCulture) : "n/a", "");
            if (resampled) Card("replaced", replaced.ToString(CultureInfo.InvariantCulture), "");
            W("</div>");
            W("<p class=\"muted\">Each synthetic assistant turn is scored with the off-policy detector's signature. Underlined: the tokens that give it away most " +
              "(the largest surprisal minus entropy: the model expected something else, confidently), in red for a glaring turn, amber for a recognisable one. " +
              "Rewrite those first, or use the model's own replacement where one is shown.</p>");
            for (var i = 0; i < doc.Transcripts.Count; i++) Transcript(i, doc.Transcripts[i]);
            W("<footer>Generated by <code>enaction realism</code>. Self-contained: no network access, no external resources.</footer></main>");
            W($"<script>{ReportAssets.Script}</script></body></html>\n");
            return _html.ToString();
        }

        private void Card(string label, string value, string css) =>
            W($"<div class=\"card {css}\" data-card=\"{E(label)}\"><div class=\"n\">{E(value)}</div><div class=\"l\">{E(label)}</div></div>");

        private void Transcript(int index, TranscriptRealism result)
        {
            var line = result.Eval.Line;
            W($"<section class=\"panel turn\" id=\"transcript-{index}\" data-line=\"{line}\"><h2>line {line} <span class=\"sub\">{result.Recognised} of {result.Judged} judged synthetic turns recognised");
            if (result.Turns.Any(t => t.Resample is not null)) W($" · {result.Replaced} replaced");
            W("</span></h2><div class=\"turn-body\">");
            var byMessage = result.Turns.ToDictionary(t => t.Message);
            for (var m = 0; m < result.Eval.Transcript.Count; m++) Message(index, result, m, byMessage.GetValueOrDefault(m));
            Table(index, result);
            W("</div></section>");
        }

        private void Message(int index, TranscriptRealism result, int m, TurnRealism? turn)
        {
            var message = result.Eval.Transcript[m];
            var role = message.Role.ToName();
            var attributes = turn is null ? "" : $" data-synthetic=\"true\" data-verdict=\"{turn.Verdict.ToName()}\" data-score=\"{N(turn.Score)}\"";
            W($"<div class=\"msg {role}\" data-message=\"{m}\" data-role=\"{role}\"{attributes}><div class=\"who\"><span class=\"role\">{role}</span>");
            if (message.Name is not null) W($"<span>{E(message.Name)}</span>");
            W($"<span>#{m}</span>");
            if (turn is not null)
            {
                W($"<span class=\"chip verdict {turn.Verdict.ToName()}\">{turn.Verdict.ToName()}</span>");
                W(turn.Method == Enaction.Detection.OffPolicyDetector.NucleusMethod
                    ? $"<span>synthetic · {N(turn.Score, "0")} word(s) outside the model's nucleus (too short for a signature)"
                    : $"<span>synthetic · score {N(turn.Score)} (threshold {N(turn.Threshold)})");
                if (turn.Percentile is { } p) W($" · percentile {N(p, "0.0")} among own turns ({E(turn.PercentileSource)})");
                W($" · {turn.Tokens} tokens</span>");
            }
            W("</div>");
            Text(index, result, m, turn);
            if (turn?.Resample is { } r)
            {
                W($"<div class=\"replacement\" data-replaced=\"{(r.Replaced ? "true" : "false")}\"><div class=\"who\">");
                if (r is { Replaced: true, Realism: { } judged })
                {
                    W($"<span class=\"role\">model's own replacement</span><span class=\"chip verdict {judged.Verdict.ToName()}\">{judged.Verdict.ToName()}</span>");
                    W($"<span>attempt {r.Attempts} · score {N(judged.Score)}{(judged.Percentile is { } jp ? " · percentile " + N(jp, "0.0") : "")}</span></div>");
                    W($"<div class=\"text\">{ReportText.Text(r.Content)}</div>");
                }
                else
                {
                    W($"<span class=\"role\">not replaced</span><span>{r.Attempts} samples: {E(string.Join(", ", r.Rejected.Select(p => $"{p.Key} {p.Value}")))}</span></div>");
                }
                W("</div>");
            }
            W("</div>");
        }

        private void Text(int index, TranscriptRealism result, int m, TurnRealism? turn)
        {
            var content = result.Eval.Transcript[m].Content;
            var tokens = new List<(int Start, int End, double H, double S, string Text, int Rank)>();
            foreach (var t in result.Scores.Tokens)
            {
                if (t.Message != m || t.Start < 0 || t.End <= t.Start || t.End > content.Length) continue;
                tokens.Add((t.Start, t.End, t.HasScore ? t.Entropy : double.NaN, t.HasScore ? t.Surprisal : double.NaN, t.Text, t.Rank));
            }
            var giveaways = turn?.Giveaways ?? [];
            var cuts = new SortedSet<int> { 0, content.Length };
            foreach (var t in tokens) { cuts.Add(t.Start); cuts.Add(t.End); }
            foreach (var g in giveaways) { cuts.Add(g.Start); cuts.Add(g.End); }
            var edges = cuts.ToArray();
            var colour = turn?.Verdict switch
            {
                RealismVerdict.Glaring => "high",
                RealismVerdict.Recognisable => "medium",
                _ => "low",
            };
            W("<div class=\"text\">");
            var k = 0;
            for (var e = 0; e + 1 < edges.Length; e++)
            {
                int a = edges[e], b = edges[e + 1];
                while (k < tokens.Count && tokens[k].End <= a) k++;
                var covering = k < tokens.Count && tokens[k].Start <= a ? tokens[k] : ((int, int, double, double, string, int)?)null;
                var rank = -1;
                for (var g = 0; g < giveaways.Length; g++)
                    if (giveaways[g].Start <= a && giveaways[g].End >= b) { rank = g; break; }
                var text = ReportText.Text(content[a..b]);
                if (covering is null && rank < 0)
                {
                    W(text);
                    continue;
                }
                var css = "seg";
                var attrs = new StringBuilder();
                var tip = new StringBuilder();
                if (covering is { } c)
                {
                    attrs.Append(CultureInfo.InvariantCulture, $" data-h=\"{N(c.Item3)}\" data-s=\"{N(c.Item4)}\" style=\"--hv:{TokenShading.Shade(c.Item3, _h)};--sv:{TokenShading.Shade(c.Item4, _s)}\" data-token=\"{c.Item1}\"");
                    tip.Append(CultureInfo.InvariantCulture, $"token {ReportText.Visible(c.Item5)}\nentropy {N(c.Item3)} nats · surprisal {N(c.Item4)} nats · rank {(c.Item6 > 0 ? c.Item6.ToString(CultureInfo.InvariantCulture) : "n/a")}");
                }
                if (rank >= 0)
                {
                    var g = giveaways[rank];
                    css += " f " + colour;
                    attrs.Append(CultureInfo.InvariantCulture, $" data-giveaway=\"{rank + 1}\" data-findings=\"r{index}-m{m}\"");
                    tip.Append(tip.Length > 0 ? "\n" : "").Append(CultureInfo.InvariantCulture,
                        $"⚑ give-away #{rank + 1} · surprisal − entropy {N(g.Gap)} nats · characters {g.Start}–{g.End}");
                }
                W($"<span class=\"{css}\"{attrs} title=\"{E(tip.ToString())}\">{text}</span>");
            }
            W("</div>");
        }

        private void Table(int index, TranscriptRealism result)
        {
            if (result.Turns.IsEmpty)
            {
                W("<p class=\"muted\">No synthetic assistant turns in this transcript.</p>");
                return;
            }
            W("<table class=\"findings\"><thead><tr><th>message</th><th>verdict</th><th class=\"num\">score</th><th class=\"num\">percentile</th><th class=\"num\">tokens</th><th>give-aways</th></tr></thead><tbody>");
            foreach (var t in result.Turns)
            {
                // The row id matches the give-aways' data-findings, so hovering a row outlines them (the shared script).
                W($"<tr id=\"r{index}-m{t.Message}\" data-finding-id=\"r{index}-m{t.Message}\" data-verdict=\"{t.Verdict.ToName()}\"><td>{t.Message}</td>");
                W($"<td><span class=\"chip verdict {t.Verdict.ToName()}\">{t.Verdict.ToName()}</span></td><td class=\"num\">{N(t.Score)}</td>");
                W($"<td class=\"num\">{(t.Percentile is { } p ? N(p, "0.0") : "n/a")}</td><td class=\"num\">{t.Tokens}</td>");
                W($"<td>{E(string.Join(" · ", t.Giveaways.Select(g => g.Text.ReplaceLineEndings(" "))))}</td></tr>");
            }
            W("</tbody></table>");
        }

        private void ComputeScales()
        {
            var h = new List<double>();
            var s = new List<double>();
            foreach (var result in doc.Transcripts)
            {
                foreach (var t in result.Scores.Tokens)
                {
                    if (t.IsScaffolding || !t.HasScore) continue;
                    if (float.IsFinite(t.Entropy)) h.Add(t.Entropy);
                    if (float.IsFinite(t.Surprisal)) s.Add(t.Surprisal);
                }
            }
            _h = TokenShading.Range(h);
            _s = TokenShading.Range(s);
        }
    }
}
