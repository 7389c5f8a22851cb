"""Trend of one workload over runs: one line per backend (batch, scenario, config), steps marked.

x is the run position in commit order (tick labels: short commit, else label, else run id);
y the figure on a log axis in human units. Points whose timing verdict is not ``ok`` are hollow;
modeled/simulated series are dashed. A detected step is a vertical line before the first point
of its new level — red for a regression, green for an improvement, grey for an inconclusive one —
labelled with its size; an environment change (CPU, libraries, threads) is a dotted grey line.
"""

from __future__ import annotations

from collections.abc import Sequence

from accelbench.report.escape import plot_text
from accelbench.report.plots.common import (
    MAX_PANELS,
    PlotResult,
    colours,
    figure,
    human_axis,
    marker_style,
    omitted,
    to_svg,
)
from accelbench.results.history import RunOrigin, Series, order_key
from accelbench.results.steps import Step

#: Colour of a step line by verdict.
STEP_COLOURS = {"regression": "#d62728", "improvement": "#2ca02c", "inconclusive": "#888888"}
UNITS = {"s": "s", "items/s": "items/s", "J/item": "J"}


def run_tick(run: RunOrigin) -> str:
    """A short x tick label for a run: its commit (7 characters, + when dirty), else label, else id."""
    if run.commit_id:
        return run.commit_id[:7] + ("+" if run.dirty else "")
    return run.label[:12] if run.label else run.run_id[-6:]


def draw_trend(workload: str, series: Sequence[tuple[Series, Sequence[Step]]], key: str) -> PlotResult:
    """The trend plot of ``workload`` (its series of one metric, with their steps)."""
    title = f"{workload}: {series[0][0].metric.name} over runs" if series else workload
    drawn = [(s, steps) for s, steps in series if s.points][:MAX_PANELS]
    if not drawn:
        return omitted(key, title, "no rankable results of this workload")
    runs: dict[str, RunOrigin] = {}
    for s, _ in drawn:
        for p in s.points:
            runs.setdefault(p.run.run_id, p.run)
    order = sorted(runs.values(), key=order_key)
    position = {run.run_id: i for i, run in enumerate(order)}
    labels = [s.key.label().removeprefix(f"{workload} on ") for s, _ in drawn]
    colour = colours(labels)
    fig, (ax,) = figure(1, 8.5, 3.6)
    notes: list[str] = []
    row = 0  # step labels are stacked from the top of the axes so they never overlap the title
    for (s, steps), label in zip(drawn, labels, strict=True):
        xs = [position[p.run.run_id] for p in s.points]
        ys = [p.value for p in s.points]
        modeled = any(p.record.provenance.get(s.metric.provenance_key, "unknown") != "measured" for p in s.points)
        c = colour[label]
        ax.plot(xs, ys, color=c, lw=1.2, linestyle="--" if modeled else "-", label=plot_text(label), zorder=2)
        for x, p in zip(xs, s.points, strict=True):
            trusted = p.quality in (None, "ok")
            ax.plot([x], [p.value], marker="o", linestyle="none", markersize=5, zorder=3,
                     **marker_style(c, trusted and not modeled))
            if p.changes:
                ax.axvline(x - 0.5, color="#aaaaaa", linestyle=":", lw=1, zorder=1)
                notes.append(f"{run_tick(p.run)} ({label}): environment changed: {'; '.join(p.changes)}")
        for step in steps:
            edge = position[s.points[step.index].run.run_id] - 0.5
            shade = STEP_COLOURS[step.verdict]
            ax.axvline(edge, color=shade, linestyle="--", lw=1.4, zorder=1)
            ax.text(edge, 0.96 - 0.07 * (row % 6), f" {step.size:+.0%} {step.verdict}", color=shade, fontsize=8,
                    transform=ax.get_xaxis_transform(), va="top", ha="left")
            row += 1
    ax.set_yscale("log")
    human_axis(ax, "y", UNITS.get(drawn[0][0].metric.unit, ""))
    ax.set_xticks(range(len(order)), [plot_text(run_tick(r)) for r in order], rotation=45, ha="right",
                  fontsize=8)
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_xlabel("run (commit order)")
    ax.set_ylabel(plot_text(f"{drawn[0][0].metric.name} ({drawn[0][0].metric.unit})"))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    if len(series) > MAX_PANELS:
        notes.append(f"showing the first {MAX_PANELS} of {len(series)} series")
    return PlotResult(key, title, to_svg(fig, key), notes=tuple(dict.fromkeys(notes)))
