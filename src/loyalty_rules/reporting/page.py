"""The report page: one self-contained HTML file, plotly.js inlined, no network needed.

Every chart is drawn by plotly.js from data embedded in the page. A small script counts
the charts drawn and shows a visible warning if any failed, and sets
``<body data-charts-expected=N data-charts-drawn=M>`` so a check (the tests' headless
Chromium) can tell a page that rendered from one that did not.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC",
       "Microsoft YaHei", sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
header { background: #102a43; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #bcccdc; }
main { padding: 12px 28px 40px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.tile { background: #fff; border-radius: 6px; padding: 10px 16px; min-width: 150px;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.tile b { display: block; font-size: 22px; }
.tile span { color: #627d98; font-size: 13px; }
.notes { background: #fffbea; border-left: 4px solid #f0b429; padding: 8px 16px; }
.notes li { margin: 4px 0; }
section h2 { margin: 28px 0 4px; font-size: 19px; }
section > p { margin: 0 0 10px; color: #486581; max-width: 70em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
        gap: 14px; }
.card { background: #fff; border-radius: 6px; padding: 6px;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); min-height: 120px; }
.card .missing { color: #829ab1; padding: 36px 18px; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 12px; }
td, th { padding: 4px 12px; border-bottom: 1px solid #e4e7eb; text-align: right; }
td:first-child, th:first-child { text-align: left; }
#chart-errors { display: none; background: #ffe3e3; border-left: 4px solid #e12d39;
                padding: 8px 16px; }
footer { color: #829ab1; font-size: 12px; padding: 0 28px 24px; }
"""

#: counts charts drawn, and shows any script error on the page itself
WATCH = """
window.reportErrors = [];
window.addEventListener("error", function (event) {
  window.reportErrors.push(String(event.message));
  var box = document.getElementById("chart-errors");
  if (box) { box.style.display = "block"; box.textContent = "A chart failed to draw: "
             + window.reportErrors.join("; "); }
  document.body.setAttribute("data-chart-errors", String(window.reportErrors.length));
});
"""

DRAW = """
(function () {
  var charts = %s, drawn = 0, config = {displaylogo: false, responsive: true};
  document.body.setAttribute("data-charts-expected", String(charts.length));
  Promise.all(charts.map(function (chart) {
    return Plotly.newPlot(chart.id, chart.figure.data, chart.figure.layout, config)
      .then(function () { drawn += 1; });
  })).then(function () {
    document.body.setAttribute("data-charts-drawn", String(drawn));
  }, function (error) {
    window.dispatchEvent(new ErrorEvent("error", {message: String(error)}));
  });
})();
"""


@attrs.frozen
class Chart:
    """A chart for the page: an id, a caption, and its figure (None: nothing to draw)."""

    id: str
    figure: Any
    missing: str = "nothing to show"


@attrs.frozen
class Section:
    title: str
    text: str
    charts: Sequence[Chart] = ()
    html: str = ""  # a table or other markup under the text


def tiles(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="tiles">' + "".join(
        f'<div class="tile"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'
        for value, label in items) + "</div>"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(*, title: str, subtitle: str, summary_tiles: Sequence[tuple[str, str]],
           notes: Sequence[str], sections: Sequence[Section], plotly_js: str,
           footer: str) -> str:
    """The whole page as one string."""
    import plotly.io as pio

    drawn: list[Mapping[str, Any]] = []
    parts = []
    for section in sections:
        cards = []
        for chart in section.charts:
            if chart.figure is None:
                cards.append(f'<div class="card" id="{chart.id}-missing"><div class="missing">'
                             f"{html.escape(chart.missing)}</div></div>")
                continue
            cards.append(f'<div class="card"><div id="{chart.id}" class="chart"></div></div>')
            drawn.append({"id": chart.id, "figure": json.loads(pio.to_json(chart.figure))})
        grid = f'<div class="grid">{"".join(cards)}</div>' if cards else ""
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>"
                     f"<p>{section.text}</p>{section.html}{grid}</section>")
    notes_html = ""
    if notes:
        notes_html = ('<div class="notes"><b>What these decisions lack</b><ul>'
                      + "".join(f"<li>{_code(n)}</li>" for n in notes) + "</ul></div>")
    charts_json = json.dumps(drawn, separators=(",", ":")).replace("</", "<\\/")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{WATCH}</script>"
        f"<script>{plotly_js}</script></head>\n<body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header><main>"
        f'<div id="chart-errors"></div>{tiles(summary_tiles)}{notes_html}{"".join(parts)}'
        f"</main><footer>{html.escape(footer)}</footer>"
        f"<script>{DRAW % charts_json}</script></body></html>\n")


def _code(text: str) -> str:
    """Escape, then show `backticked` words as code."""
    pieces = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def date_range(days: Sequence[str]) -> str:
    known = sorted(d for d in days if _is_date(d))
    if not known:
        return "no date"
    return known[0] if known[0] == known[-1] else f"{known[0]} to {known[-1]}"


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False
