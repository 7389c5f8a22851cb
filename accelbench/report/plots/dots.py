"""Small-multiple dot charts: one panel per workload, one row per backend/design and batch.

On a log axis a bar's length means nothing, so each figure is a dot labelled with its value in
human units: filled when measured, hollow when modeled, simulated or unknown (the legend says
so). Only ranked records are drawn (model-only and non-fitting designs are listed in the report's
"not ranked" section instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from accelbench.report import provenance
from accelbench.report.data import by_workload, ranked, series_label
from accelbench.report.escape import plot_text
from accelbench.report.plots.common import (
    HUMAN,
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
from accelbench.report.provenance import mark
from accelbench.results.record import Measurement


def draw_dots(inputs: PlotInput, key: str, title: str, figure_name: str, value: Callable[[Measurement], float | None],
              unit: str, xlabel: str, empty: str,
              whiskers: Callable[[Measurement], Sequence[tuple[float, float, str]]] | None = None) -> PlotResult:
    """Per-workload panels of dots of ``value`` (in ``unit``), log x axis with human ticks, values written."""
    points = [m for m in ranked(inputs.records) if (v := value(m)) is not None and v > 0]
    if not points:
        return omitted(key, title, empty)
    from matplotlib.lines import Line2D

    groups = by_workload(points)
    names = list(groups)[:MAX_PANELS]
    tallest = max(len(groups[w]) for w in names)
    fig, axes = figure(len(names), 8.5, max(1.3, 0.28 * tallest + 0.9), columns=1)
    colour = colours([m.backend for m in points])
    kinds: set[str] = set()
    for ax, workload in zip(axes, names, strict=True):
        mine = groups[workload]
        spans: list[float] = []
        for i, m in enumerate(mine):
            kind = provenance.of(m, figure_name)
            kinds.add(kind)
            x = value(m) or 0.0
            spans.append(x)
            for lo, hi, shade in (whiskers(m) if whiskers else ()):
                if hi > lo:
                    ax.plot([lo, hi], [i, i], color=shade, lw=1.2, zorder=1)
                    spans.append(hi)
            ax.plot([x], [i], marker="o", markersize=7, linestyle="none", color=colour[m.backend], zorder=3,
                    **marker_style(colour[m.backend], kind == "measured"))
            ax.annotate(HUMAN[unit](x) + mark(kind), (x, i), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=6.5)
        ax.set_yticks(range(len(mine)), [plot_text(f"{series_label(m)} · b{m.batch}") for m in mine], fontsize=6.5)
        ax.set_ylim(len(mine) - 0.4, -0.7)
        ax.set_xscale("log")
        ax.set_xlim(min(spans) / 3, max(spans) * 3)
        human_axis(ax, "x", unit)
        ax.set_title(plot_text(workload), fontsize=8)
        ax.set_xlabel(xlabel, fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(axis="x", which="major", color="#dddddd", lw=0.6)
    handles: list[Any] = [Line2D([], [], marker="o", linestyle="none", color=c, label=plot_text(name),
                                 **marker_style(c, True)) for name, c in colour.items()]
    handles += [Line2D([], [], marker="o", linestyle="none", color="#777777", label=f"{kind} (hollow)",
                       **marker_style("#777777", False))
                for kind in sorted(kinds - {"measured"}, key=provenance.ORDER.index)]
    if whiskers:
        handles += [Line2D([], [], color="#111111", label="p50 to p90"),
                    Line2D([], [], color="#999999", label="p90 to p99")]
    fig.legend(handles=handles, fontsize=6.5, loc="outside lower center", ncol=min(len(handles), 5), frameon=False)
    return PlotResult(key, title, to_svg(fig, key), notes=panel_note(len(groups), "workloads"))
