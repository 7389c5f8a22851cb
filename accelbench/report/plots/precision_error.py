"""Relative error vs the float64 reference per fixed-point precision (C simulation), per workload."""

from __future__ import annotations

from accelbench.report.data import short_precision
from accelbench.report.escape import plot_text
from accelbench.report.plots.common import PlotInput, PlotResult, figure, human_axis, omitted, to_svg

KEY = "precision_error"
TITLE = "Fixed-point error vs precision (C simulation)"


def draw(inputs: PlotInput) -> PlotResult:
    points = [(short_precision(str((m.fpga or {}).get("precision"))), m.error.rel, m.workload) for m in inputs.records
              if m.fpga and m.fpga.get("precision") and m.error and m.error.rel > 0]
    if len({p[0] for p in points}) < 2:
        return omitted(KEY, TITLE, "needs FPGA designs at two or more precisions (accelbench fpga explore --precision)")
    fig, (ax,) = figure(1, 8.0, 3.4)
    labels = sorted({p[0] for p in points})
    for workload in sorted({p[2] for p in points}):
        mine = [p for p in points if p[2] == workload]
        ax.scatter([labels.index(p[0]) for p in mine], [p[1] for p in mine], label=plot_text(workload))
    ax.set_xticks(range(len(labels)), [plot_text(label) for label in labels], fontsize=7)
    ax.set_yscale("log")
    human_axis(ax, "y", "small")
    ax.set_ylabel("relative error vs float64", fontsize=7)
    ax.legend(fontsize=7)
    return PlotResult(KEY, TITLE, to_svg(fig, KEY))
