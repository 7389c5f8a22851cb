"""The history report (``accelbench report --history``): history.html, history.md, history.csv.

Reads the store only, through :mod:`accelbench.results.history` (series in commit order) and
:mod:`accelbench.results.steps` (change points found by ruptures, judged against the noise).
The page gives first the table of detected regressions and improvements (inconclusive steps —
built on timings whose verdict is not ``ok`` — listed with their reason), then one trend plot per
workload and metric with the steps marked, then the environment changes seen along the way.
Every user-controlled string is escaped for its format (:mod:`accelbench.report.escape`).
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelbench.report import units
from accelbench.report.escape import PLOT_RC, csv_row, markdown
from accelbench.report.plots.common import PlotResult
from accelbench.report.plots.history_trend import STEP_COLOURS, draw_trend, run_tick
from accelbench.results.history import Series, load_series
from accelbench.results.steps import Step, detect_steps
from accelbench.results.store import Store

#: Metrics the history report follows (throughput mirrors p50 at a fixed batch).
REPORT_METRICS = ("p50", "energy")
STEP_HEADERS = ("verdict", "workload", "backend", "batch", "scenario", "metric", "size", "95 % interval",
                "commits", "before", "after", "why / environment")


@dataclass(frozen=True)
class HistoryReport:
    """Series with their steps (one entry per series, all metrics) and the trend plots."""

    series: tuple[tuple[Series, tuple[Step, ...]], ...]
    plots: tuple[PlotResult, ...]

    @property
    def steps(self) -> list[tuple[Series, Step]]:
        """Every detected step: regressions first, then improvements, then inconclusive ones."""
        rank = {"regression": 0, "improvement": 1, "inconclusive": 2}
        found = [(s, step) for s, steps in self.series for step in steps]
        return sorted(found, key=lambda item: (rank[item[1].verdict], -abs(item[1].size)))


def value_text(value: float, unit: str) -> str:
    if unit == "s":
        return units.seconds(value)
    if unit == "items/s":
        return units.items_per_s(value)
    return f"{units.joules(value)}/item"


def step_cells(s: Series, step: Step) -> list[str]:
    """One row of the steps table, as text."""
    low, high = step.interval
    why = "; ".join(x for x in (step.reason, *(f"environment: {c}" for c in step.environment_changes)) if x)
    return [step.verdict, s.key.workload, s.key.backend, str(s.key.batch), s.key.scenario, s.metric.name,
            f"{step.size:+.1%}", f"[{low:+.1%}, {high:+.1%}]", step.commit_range(),
            value_text(step.level_before, s.metric.unit), value_text(step.level_after, s.metric.unit), why]


def build_history(store: Store, backends: set[str] | None = None) -> HistoryReport:
    """Series and steps of every workload in ``store`` (metrics :data:`REPORT_METRICS`), and plots."""
    found: list[tuple[Series, tuple[Step, ...]]] = []
    plots: list[PlotResult] = []
    for metric in REPORT_METRICS:
        pairs = [(s, tuple(detect_steps(s))) for s in load_series(store, metric, backends=backends)]
        found.extend(pairs)
        by_workload: dict[str, list[tuple[Series, tuple[Step, ...]]]] = {}
        for pair in pairs:
            by_workload.setdefault(pair[0].key.workload, []).append(pair)
        for i, (workload, group) in enumerate(sorted(by_workload.items())):
            key = f"history-{metric}-{i}"
            plots.append(_drawn(workload, group, key))
    return HistoryReport(tuple(found), tuple(plots))


def _drawn(workload: str, group: list[tuple[Series, tuple[Step, ...]]], key: str) -> PlotResult:
    """The trend plot, drawn with math text and TeX off (user strings are plain text)."""
    import matplotlib

    settings: Any = PLOT_RC
    with matplotlib.rc_context(settings):
        return draw_trend(workload, group, key)


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:1280px;color:#222;
padding:0 1em}
h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0 1.2em}th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px;
vertical-align:top}th{background:#eef2f7;text-align:left}.note{color:#666;font-size:13px}
figure{margin:1em 0}figcaption{font-weight:600}figure svg{max-width:100%;height:auto}
.legend{background:#f7f7f0;padding:.5em .8em;font-size:13px}.scroll{overflow-x:auto}
"""


def render_html(report: HistoryReport) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>accelbench history</title><style>{_STYLE}</style></head><body><h1>accelbench history</h1>",
        "<p class='legend'>Each series follows one figure of one workload, backend, batch and scenario over the "
        "stored runs in commit order (only valid, rankable results). Steps are change points found by ruptures "
        "(PELT) and kept when their 95 % bootstrap interval excludes no change and they exceed 5 %; a step built on "
        "a timing whose verdict is not ok, or across a change of provenance, is inconclusive. Commit ranges read "
        "a..b: the change happened after a, up to and including b. Hollow points: timing not ok or figure not "
        "measured; dashed lines: modeled figures.</p>",
        "<h2>Detected regressions and improvements</h2>",
    ]
    steps = report.steps
    if steps:
        parts.append("<div class=scroll><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in STEP_HEADERS) + "</tr>")
        for s, step in steps:
            cells = step_cells(s, step)
            colour = STEP_COLOURS[step.verdict]
            parts.append(f"<tr><td style='color:{colour};font-weight:600'>{e(cells[0])}</td>"
                         + "".join(f"<td>{e(c)}</td>" for c in cells[1:]) + "</tr>")
        parts.append("</table></div>")
    else:
        parts.append("<p>No step beyond the noise in any series.</p>")
    parts.append("<h2>Trends</h2>")
    for plot in report.plots:
        if plot.svg:
            notes = "".join(f"<li>{e(n)}</li>" for n in plot.notes)
            parts.append(f"<figure><figcaption>{e(plot.title)}</figcaption>{plot.svg}"
                         + (f"<ul class='note'>{notes}</ul>" if notes else "") + "</figure>")
        else:
            parts.append(f"<p class='note'>{e(plot.title)}: omitted — {e(plot.reason)}</p>")
    parts.append("<h2>Series</h2>")
    for s, _ in report.series:
        ticks = ", ".join(f"{run_tick(p.run)}: {value_text(p.value, s.metric.unit)}"
                          + (f" ({p.quality})" if p.quality not in (None, "ok") else "") for p in s.points)
        parts.append(f"<p class='note'><b>{e(s.key.label())}</b> — {e(s.metric.name)}: {e(ticks)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_markdown(report: HistoryReport) -> str:
    lines = ["# accelbench history", "", "## Detected regressions and improvements", ""]
    steps = report.steps
    if steps:
        lines.append("| " + " | ".join(STEP_HEADERS) + " |")
        lines.append("|" + "---|" * len(STEP_HEADERS))
        lines += ["| " + " | ".join(markdown(c) for c in step_cells(s, step)) + " |" for s, step in steps]
    else:
        lines.append("No step beyond the noise in any series.")
    lines += ["", f"{len(report.series)} series; trend plots are in history.html, every point in history.csv.", ""]
    return "\n".join(lines)


POINT_HEADERS = ("workload", "backend", "batch", "scenario", "config", "metric", "unit", "run_id", "commit", "branch",
                 "dirty", "label", "time", "value", "quality", "provenance", "environment_changes", "step")


def _point_rows(report: HistoryReport) -> list[list[object]]:
    rows: list[list[object]] = []
    for s, steps in report.series:
        starts = {step.index: step for step in steps}
        for i, p in enumerate(s.points):
            step = starts.get(i)
            rows.append([s.key.workload, s.key.backend, s.key.batch, s.key.scenario, s.key.config, s.metric.name,
                         s.metric.unit, p.run.run_id, p.run.commit_id, p.run.branch, p.run.dirty, p.run.label,
                         p.run.time, p.value, p.quality, p.record.provenance.get(s.metric.provenance_key, "unknown"),
                         "; ".join(p.changes), f"{step.verdict} {step.size:+.1%}" if step else ""])
    return rows


def write_history(store: Store, out: Path, backends: set[str] | None = None) -> tuple[HistoryReport, list[Path]]:
    """Build the history of ``store`` and write history.html, history.md and history.csv into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    report = build_history(store, backends)
    paths = [out / "history.html", out / "history.md", out / "history.csv"]
    paths[0].write_text(render_html(report), encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    with paths[2].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(POINT_HEADERS)
        writer.writerows(csv_row(row) for row in _point_rows(report))
    return report, paths


__all__ = ["HistoryReport", "build_history", "write_history"]
