namespace Enaction.Reporting.Html;

/// <summary>The report's inline stylesheet and script. Nothing is loaded from the network.</summary>
internal static class ReportAssets
{
    public const string Css = """
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--panel:#ffffff;--bg:#f1f5f9;--h:59,130,246;--s:234,88,12;
--high:#dc2626;--medium:#d97706;--low:#64748b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0}
header.top{position:sticky;top:0;z-index:5;background:#0f172a;color:#f8fafc;padding:12px 28px;display:flex;gap:24px;align-items:center;flex-wrap:wrap;box-shadow:0 1px 6px rgba(0,0,0,.25)}
header.top h1{font-size:18px;margin:0;font-weight:650;letter-spacing:.2px}
header.top .meta{color:#cbd5e1;font-size:12px}
.toggle{display:inline-flex;border:1px solid #475569;border-radius:8px;overflow:hidden}
.toggle button{background:transparent;color:#e2e8f0;border:0;padding:6px 12px;font:inherit;font-size:13px;cursor:pointer}
.toggle button[aria-pressed=true]{background:#e2e8f0;color:#0f172a;font-weight:600}
#legend{display:flex;align-items:center;gap:8px;font-size:12px;color:#cbd5e1}
#legend .bar{width:140px;height:10px;border-radius:5px;border:1px solid #475569}
main{max-width:1180px;margin:0 auto;padding:20px 28px 60px}
.notice{background:#fef3c7;border:1px solid #fcd34d;color:#78350f;border-radius:8px;padding:10px 14px;margin:0 0 16px;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:18px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card .n{font-size:24px;font-weight:700}.card .l{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px}
.card.high .n{color:var(--high)}.card.medium .n{color:var(--medium)}
section.panel{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:16px 20px;margin:0 0 18px}
section.panel>h2{font-size:16px;margin:0 0 10px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
h2 .sub{font-size:12px;color:var(--muted);font-weight:400}
#finding-index{columns:2;font-size:13px;margin:0;padding-left:18px}
#finding-index li{margin:2px 0;break-inside:avoid}
#finding-index a{color:var(--ink);text-decoration:none}#finding-index a:hover{text-decoration:underline}
.sev{display:inline-block;font-size:11px;font-weight:700;border-radius:4px;padding:1px 6px;color:#fff;text-transform:uppercase}
.sev.high{background:var(--high)}.sev.medium{background:var(--medium)}.sev.low{background:var(--low)}
.roc-grid{display:flex;flex-wrap:wrap;gap:16px}
.roc{border:1px solid var(--line);border-radius:10px;padding:8px 10px}
.roc h3{font-size:13px;margin:0 0 4px}
.decisions{display:flex;flex-direction:column;gap:6px;margin:0 0 12px;font-size:13px}
.decision{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.stage{font-weight:600;min-width:72px;color:var(--muted)}
.chip{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;border:1px solid var(--line);background:#f8fafc}
.chip.block{background:#fee2e2;border-color:#fca5a5;color:#991b1b;font-weight:700}
.chip.strip,.chip.resample,.chip.verify{background:#ffedd5;border-color:#fdba74;color:#9a3412}
.chip.escalate{background:#ede9fe;border-color:#c4b5fd;color:#5b21b6}
.chip.annotate{background:#e0f2fe;border-color:#7dd3fc;color:#075985}
.chip.rule{background:#f1f5f9;color:#334155}
.chip.failed{background:#fee2e2;color:#991b1b}
.turn-body{display:grid;grid-template-columns:minmax(0,1fr);gap:12px}
.msg{border:1px solid var(--line);border-radius:10px;overflow:hidden}
.msg>.who{display:flex;gap:8px;align-items:center;font-size:12px;padding:5px 10px;background:#f8fafc;border-bottom:1px solid var(--line);color:var(--muted)}
.role{font-weight:700;text-transform:uppercase;letter-spacing:.5px;font-size:11px;color:#334155}
.msg.assistant{border-left:4px solid #6366f1}.msg.user{border-left:4px solid #10b981}.msg.system{border-left:4px solid #94a3b8}.msg.tool{border-left:4px solid #f59e0b}
.gen{background:#eef2ff;color:#4338ca;border-radius:4px;padding:0 6px;font-size:11px}
.source{background:#ecfdf5;color:#065f46;border-radius:4px;padding:0 6px;font-size:11px}
.source.surrogate{background:#fef3c7;color:#78350f;font-weight:700}
.text{white-space:pre-wrap;word-break:break-word;padding:10px 12px;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:13px;line-height:1.75}
.ctl{display:inline-block;unicode-bidi:isolate;direction:ltr;font:600 9px/1.3 ui-monospace,monospace;color:#b91c1c;background:#fef2f2;border:1px solid #fca5a5;border-radius:3px;padding:0 2px;margin:0 1px;vertical-align:middle}
.seg{border-radius:3px;background:rgba(var(--h),var(--hv,0));transition:background .15s}
body[data-mode=surprisal] .seg{background:rgba(var(--s),var(--sv,0))}
.seg.f{box-shadow:inset 0 -3px 0 var(--fc,var(--low));padding-bottom:1px}
.seg.f.high{--fc:var(--high)}.seg.f.medium{--fc:var(--medium)}
.seg.hl{outline:2px solid var(--fc,var(--low));outline-offset:1px}
.findings{width:100%;border-collapse:collapse;font-size:12.5px}
.findings th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:4px 6px}
.findings td{border-bottom:1px solid #f1f5f9;padding:4px 6px;vertical-align:top}
.findings tr:hover td{background:#f8fafc}
.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{display:block;max-width:100%;height:auto}
.chart text{font-size:11px;fill:#475569;font-family:inherit}
.chart .grid{stroke:#e2e8f0}.chart .axis{stroke:#94a3b8}
.chart .ent{fill:none;stroke:rgb(var(--h));stroke-width:2}
.chart .sur{fill:none;stroke:rgb(var(--s));stroke-width:2;stroke-dasharray:5 4}
.chart .roc-line{fill:rgba(59,130,246,.08);stroke:rgb(var(--h));stroke-width:2}
.chart .chance{stroke:#cbd5e1;stroke-dasharray:4 4}
.chart .chosen{fill:var(--high);stroke:#fff;stroke-width:2}
.muted{color:var(--muted);font-size:12px}
#tip{position:fixed;z-index:10;pointer-events:none;background:#0f172a;color:#f8fafc;font-size:12px;line-height:1.45;padding:7px 9px;border-radius:6px;max-width:360px;white-space:pre-line;box-shadow:0 4px 14px rgba(0,0,0,.3);display:none}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
""";

    // Builds only from data attributes and textContent: transcript text never passes through innerHTML.
    public const string Script = """
(function () {
  var body = document.body;
  var buttons = document.querySelectorAll('[data-mode-button]');
  function legend(mode) {
    var box = document.getElementById('legend');
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    var max = mode === 'surprisal' ? body.dataset.sMax : body.dataset.hMax;
    var min = mode === 'surprisal' ? body.dataset.sMin : body.dataset.hMin;
    var rgb = mode === 'surprisal' ? '234,88,12' : '59,130,246';
    var label = document.createElement('span');
    label.textContent = (mode === 'surprisal' ? 'surprisal' : 'entropy') + ' \u2264 ' + min;
    var bar = document.createElement('span');
    bar.className = 'bar';
    bar.setAttribute('data-legend', mode);
    bar.style.background = 'linear-gradient(90deg, rgba(' + rgb + ',.05), rgba(' + rgb + ',.85))';
    var end = document.createElement('span');
    end.textContent = '\u2265 ' + max + ' nats';
    box.appendChild(label); box.appendChild(bar); box.appendChild(end);
  }
  function setMode(mode) {
    body.dataset.mode = mode;
    buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.modeButton === mode)); });
    legend(mode);
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { setMode(b.dataset.modeButton); }); });
  // #surprisal in the address opens the page shaded by surprisal, so a link can say which view to look at.
  setMode(location.hash === '#surprisal' ? 'surprisal' : 'entropy');

  var index = document.getElementById('finding-index');
  if (index) {
    document.querySelectorAll('tr[data-finding-id]').forEach(function (row) {
      var li = document.createElement('li');
      li.setAttribute('data-index-for', row.id);
      var sev = document.createElement('span');
      sev.className = 'sev ' + row.dataset.severity;
      sev.textContent = row.dataset.severity;
      var a = document.createElement('a');
      a.href = '#' + row.id;
      a.textContent = ' ' + row.dataset.kind + ' \u00b7 ' + row.dataset.turnLabel + ' \u00b7 message ' + row.dataset.message + ' \u00b7 score ' + row.dataset.score;
      li.appendChild(sev); li.appendChild(a);
      index.appendChild(li);
    });
    if (!index.children.length) {
      var none = document.createElement('li');
      none.textContent = 'No findings.';
      index.appendChild(none);
    }
  }

  var tip = document.createElement('div');
  tip.id = 'tip';
  body.appendChild(tip);
  document.querySelectorAll('[title]').forEach(function (el) {
    el.setAttribute('data-tip', el.getAttribute('title'));
    el.removeAttribute('title');
  });
  document.addEventListener('mouseover', function (e) {
    var el = e.target.closest ? e.target.closest('[data-tip]') : null;
    if (!el) { tip.style.display = 'none'; return; }
    tip.textContent = el.getAttribute('data-tip');
    tip.style.display = 'block';
  });
  document.addEventListener('mousemove', function (e) {
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - 370) + 'px';
    tip.style.top = (e.clientY + 16) + 'px';
  });
  function mark(row, on) {
    document.querySelectorAll('.seg[data-findings~="' + row.id + '"]').forEach(function (s) { s.classList.toggle('hl', on); });
  }
  document.querySelectorAll('tr[data-finding-id]').forEach(function (row) {
    row.addEventListener('mouseenter', function () { mark(row, true); });
    row.addEventListener('mouseleave', function () { mark(row, false); });
  });
  document.documentElement.setAttribute('data-enaction-ready', 'true');
})();
""";
}
