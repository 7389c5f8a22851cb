"""report.md: the same sections as index.html (plots are only in the HTML page).

Every user-controlled string goes through :func:`accelbench.report.escape.markdown` (HTML and
Markdown escaped), so a name such as ``test_gemm[<b>x</b>]`` is shown as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from accelbench.report.build import Report
from accelbench.report.columns import ENERGY_NOTE, NOT_RANKED, RANKED, Column
from accelbench.report.data import Row
from accelbench.report.escape import markdown as md
from accelbench.report.headline import glance
from accelbench.report.provenance import LEGEND, PLOT_LEGEND


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in r) + " |" for r in rows]
    return [*lines, ""]


def _rows(rows: Sequence[Row], columns: Sequence[Column]) -> list[str]:
    return _table([c.header for c in columns], [[c.cell(r) for c in columns] for r in rows])


def render(report: Report) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items()))
    lines = [f"# accelbench report — run {md(report.run_id)}", "", md(counts), "", md(LEGEND), "", md(PLOT_LEGEND), "",
             md(ENERGY_NOTE), ""]
    if report.verdicts:
        lines += ["## At a glance", ""]
        titles, glance_rows = glance(report.verdicts)
        lines += _table(["workload", *titles], glance_rows)
    for workload, found in report.verdicts.items():
        lines += [f"## {md(workload)}", "", *[f"- {md(v.text())}" for v in found], ""]
        rows = report.ranked.get(workload, [])
        lines += _rows(rows, RANKED) if rows else ["No ranked result.", ""]
    if report.crossovers:
        lines += ["## Crossovers", "", *[f"- {md(c.describe())}" for c in report.crossovers], ""]
    lines += ["## Not ranked: model-only / does not fit", ""]
    lines += _rows(report.not_ranked, NOT_RANKED) if report.not_ranked else ["None.", ""]
    if report.modeled_devices:
        lines += ["## Hardware you don't have (modeled)", "",
                  "Every figure below comes from a model of a device that is not in this machine.", ""]
        lines += _rows(report.modeled_devices, NOT_RANKED)
    lines += ["## Failed (never ranked)", ""]
    lines += _table(["workload", "backend", "batch", "status", "reason"],
                    [[m.workload, m.backend, str(m.batch), m.status, m.invalid_reason] for m in report.failures]
                    ) if report.failures else ["None.", ""]
    if report.skips:
        lines += ["## Skipped", "", *[f"- {md(b)} ({n}x): {md(r)}" for b, r, n in report.skips], ""]
    lines += ["## Plots", ""]
    for plot in report.plots:
        lines.append(f"- {md(plot.title)}: " + ("in index.html" if plot.svg else f"omitted — {md(plot.reason)}"))
        lines += [f"  - {md(note)}" for note in plot.notes]
    lines += ["", "## Environment", "", *[f"- {md(label)}: {md(text)}" for label, text in report.environment]]
    return "\n".join(lines) + "\n"


def write(report: Report, out: Path) -> Path:
    path = out / "report.md"
    path.write_text(render(report), encoding="utf-8")
    return path
