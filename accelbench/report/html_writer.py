"""index.html: one self-contained page (inline CSS and SVG, no script, nothing fetched).

Every user-controlled string goes through :func:`html.escape`; SVG text is escaped by matplotlib.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from accelbench.report.build import Report
from accelbench.report.columns import ENERGY_NOTE, NOT_RANKED, RANKED, Column
from accelbench.report.data import Row
from accelbench.report.headline import glance
from accelbench.report.provenance import LEGEND, PLOT_LEGEND

#: The space between a number and its unit ('207 µs'): kept together when a cell wraps.
_UNIT_SPACE = re.compile(r"(?<=\d) (?=[^\d\s(\[])|(?<=\d [kMGT]) (?=items)")

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:1280px;color:#222;
padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0 1.2em}th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px;
vertical-align:top}th{background:#eef2f7;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend{background:#f7f7f0;padding:.5em .8em;font-size:13px}
ul.verdict{margin:.3em 0 .8em;padding-left:1.2em}ul.verdict li{margin:.15em 0}
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}figure svg{max-width:100%;height:auto}
.omitted,.note{color:#666;font-size:13px}.counts{color:#555}.unranked{background:#fbf6ee}
.scroll{overflow-x:auto}td[title]{text-decoration:underline dotted}
"""


def _table(rows: Sequence[Row], columns: Sequence[Column], css: str = "") -> str:
    e = html.escape
    head = "".join(f"<th>{e(c.header)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, r) for c in columns) + "</tr>" for r in rows)
    return f"<div class=scroll><table{f' class={css}' if css else ''}><tr>{head}</tr>{body}</table></div>"


def _cell(column: Column, row: Row) -> str:
    hint = column.hint(row) if column.hint else ""
    attrs = (" class=n" if column.numeric else "") + (f" title=\"{html.escape(hint)}\"" if hint else "")
    text = html.escape(column.cell(row))
    return f"<td{attrs}>{_UNIT_SPACE.sub(chr(0xA0), text) if column.numeric else text}</td>"


def render(report: Report) -> str:
    """The page as text."""
    e = html.escape
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items()))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>accelbench report {e(report.run_id)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>accelbench report</h1><p class='counts'>Run <code>{e(report.run_id)}</code> — {e(counts)}</p>",
        f"<p class='legend'>{e(LEGEND)}<br>{e(PLOT_LEGEND)} Model-only and non-fitting designs are never "
        f"ranked: they are listed apart with their reason.<br>{e(ENERGY_NOTE)} timing: the timing-quality "
        "verdict (hover for the reason); a lead over a noisy or contended timing is called inconclusive.</p>",
    ]
    if report.verdicts:
        titles, glance_rows = glance(report.verdicts)
        parts.append("<h2>At a glance</h2><table><tr><th>workload</th>"
                     + "".join(f"<th>{e(title)}</th>" for title in titles) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in glance_rows]
        parts.append("</table><p class='note'>The ratio in brackets is the winner's lead over the runner-up. "
                     "summary.csv has the same verdicts.</p>")
    for workload, found in report.verdicts.items():
        parts.append(f"<h2>{e(workload)}</h2><ul class='verdict'>"
                     + "".join(f"<li>{e(v.text())}</li>" for v in found) + "</ul>")
        rows = report.ranked.get(workload, [])
        parts.append(_table(rows, RANKED) if rows else "<p class='note'>No ranked result.</p>")
    if report.crossovers:
        parts.append("<h2>Crossovers</h2><ul>" + "".join(f"<li>{e(c.describe())}</li>" for c in report.crossovers)
                     + "</ul>")
    parts.append("<h2>Not ranked: model-only / does not fit</h2>")
    parts.append(_table(report.not_ranked, NOT_RANKED, "unranked") if report.not_ranked else "<p>None.</p>")
    if report.modeled_devices:
        parts.append("<h2>Hardware you don't have (modeled)</h2><p class='note'>Every figure below comes from a "
                     "model of a device that is not in this machine; never ranked against measured figures.</p>")
        parts.append(_table(report.modeled_devices, NOT_RANKED, "unranked"))
    parts.append("<h2>Failed (never ranked)</h2>")
    if report.failures:
        parts.append("<table><tr><th>workload</th><th>backend</th><th>batch</th><th>status</th><th>reason</th></tr>")
        parts += [f"<tr><td>{e(m.workload)}</td><td>{e(m.backend)}</td><td class=n>{m.batch}</td>"
                  f"<td>{e(m.status)}</td><td>{e(m.invalid_reason)}</td></tr>" for m in report.failures]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    if report.skips:
        parts.append("<h2>Skipped</h2><ul>" + "".join(
            f"<li>{e(backend)} ({n}x): {e(reason)}</li>" for backend, reason, n in report.skips) + "</ul>")
    parts.append("<h2>Plots</h2>")
    for plot in report.plots:
        if plot.svg:
            notes = "".join(f"<li>{e(n)}</li>" for n in plot.notes)
            parts.append(f"<figure><figcaption>{e(plot.title)}</figcaption>{plot.svg}"
                         + (f"<ul class='note'>{notes}</ul>" if notes else "") + "</figure>")
        else:
            parts.append(f"<p class='omitted'>{e(plot.title)}: omitted — {e(plot.reason)}</p>")
    parts.append("<h2>Environment</h2><ul>" + "".join(
        f"<li><b>{e(label)}</b>: {e(text)}</li>" for label, text in report.environment) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(report: Report, out: Path) -> Path:
    """Write ``index.html``; when the directory also holds ``history.html`` (``report --history``),
    the page links to it."""
    path = out / "index.html"
    page = render(report)
    if (out / "history.html").exists():
        link = "<p class='counts'>History over runs, steps and regressions: <a href='history.html'>history.html</a></p>"
        page = page.replace("</h1>", "</h1>" + link, 1)
    path.write_text(page, encoding="utf-8")
    return path
