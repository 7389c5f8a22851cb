"""Latency vs energy per inference, one panel per workload, a Pareto front per provenance class.

Only ranked records are points. Measured points are filled and their front solid; modeled (or
otherwise non-measured) points hollow and their front dashed: the classes are never one front.
"""

from __future__ import annotations

from accelbench.report.escape import plot_text
from accelbench.report.pareto import fronts_by_class, latency_energy
from accelbench.report.plots.common import (
    MAX_PANELS,
    PlotInput,
    PlotResult,
    colours,
    figure,
    human_axis,
    marker_style,
    omitted,
    panel_note,
    to_svg,
)
from accelbench.report.provenance import ORDER

KEY = "pareto"
TITLE = "Latency vs energy per inference: Pareto fronts per workload and provenance class"


def draw(inputs: PlotInput) -> PlotResult:
    points = {w: p for w, p in latency_energy(inputs.records).items() if len(p) >= 2}
    if not points:
        return omitted(KEY, TITLE, "needs two or more ranked results of one workload with both latency and energy")
    names = list(points)[:MAX_PANELS]
    fig, axes = figure(len(names), 9.0, 3.0)
    for ax, workload in zip(axes, names, strict=True):
        mine = points[workload]
        colour = colours([p.label for p in mine])
        for p in mine:
            measured = p.provenance == "measured"
            ax.plot([p.x], [p.y], marker="o", markersize=5, linestyle="none", color=colour[p.label],
                    label=plot_text(p.label if measured else f"{p.label} ({p.provenance})"),
                    **marker_style(colour[p.label], measured))
        for kind, front in sorted(fronts_by_class(mine).items(), key=lambda kv: ORDER.index(kv[0])):
            if len(front) > 1:
                ax.plot([p.x for p in front], [p.y for p in front], color="#444444", lw=1,
                        linestyle="-" if kind == "measured" else "--", label=f"{kind} front")
        ax.set_xscale("log")
        ax.set_yscale("log")
        human_axis(ax, "x", "s")
        human_axis(ax, "y", "J")
        ax.set_title(plot_text(workload), fontsize=8)
        ax.set_xlabel("latency p50", fontsize=7)
        ax.set_ylabel("energy per inference", fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(which="major", color="#dddddd", lw=0.6)
        ax.legend(fontsize=5.5, loc="best")
    notes = ("filled = measured, hollow = modeled/simulated; each class has its own front",
             *panel_note(len(points), "workloads"))
    return PlotResult(KEY, TITLE, to_svg(fig, KEY), notes=notes)
