"""Throughput (items/s) vs batch size, one panel per workload, crossovers marked.

Measured series are solid with filled markers; others dashed with hollow markers. A crossover
between series of different provenance is drawn hollow and labelled with both classes.
"""

from __future__ import annotations

from collections import defaultdict

from accelbench.report.crossover import Crossover, Series, crossovers, throughput_series
from accelbench.report.escape import plot_text
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

KEY = "throughput"
TITLE = "Throughput vs batch size, per workload"


def draw(inputs: PlotInput) -> PlotResult:
    by_workload: dict[str, list[Series]] = defaultdict(list)
    for series in throughput_series(inputs.records):
        by_workload[series.workload].append(series)
    shown = {w: s for w, s in by_workload.items() if any(len(x.points) > 1 for x in s)}
    if not shown:
        return omitted(KEY, TITLE, "needs a workload run at two or more batch sizes (e.g. run with --batch 1,8,64)")
    from matplotlib.lines import Line2D

    found: dict[str, list[Crossover]] = defaultdict(list)
    for c in crossovers(inputs.records):
        found[c.workload].append(c)
    names = list(shown)[:MAX_PANELS]
    fig, axes = figure(len(names), 9.0, 3.0)
    colour = colours([s.label for w in names for s in shown[w]])
    for ax, workload in zip(axes, names, strict=True):
        for s in shown[workload]:
            measured = s.provenance == "measured"
            label = s.label if measured else f"{s.label} ({s.provenance})"
            ax.plot([b for b, _ in s.points], [t for _, t in s.points], marker="o", markersize=4,
                    linestyle="-" if measured else "--", color=colour[s.label], label=plot_text(label),
                    **marker_style(colour[s.label], measured))
        for c in found[workload]:
            ax.plot([c.batch_estimate], [c.throughput_items_s], marker="*", markersize=11, linestyle="none",
                    zorder=5, markeredgecolor="#333333", markerfacecolor="white" if c.mixed else "#f2b400")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        human_axis(ax, "y", "items/s")
        human_axis(ax, "x", "")
        ax.set_title(plot_text(workload), fontsize=8)
        ax.set_xlabel("batch size", fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(which="major", color="#dddddd", lw=0.6)
        handles, _ = ax.get_legend_handles_labels()
        if any(not c.mixed for c in found[workload]):
            handles.append(Line2D([], [], marker="*", markersize=9, color="#f2b400", markeredgecolor="#333333",
                                  linestyle="none", label="crossover (interpolated)"))
        if any(c.mixed for c in found[workload]):
            handles.append(Line2D([], [], marker="*", markersize=9, markerfacecolor="white",
                                  markeredgecolor="#333333", linestyle="none",
                                  label="crossover across provenance (e.g. modeled vs measured)"))
        ax.legend(handles=handles, fontsize=5.5, loc="best")
    return PlotResult(KEY, TITLE, to_svg(fig, KEY), notes=panel_note(len(shown), "workloads"))
