"""Latency (at the run's percentile, queueing included) vs offered load, one panel per workload.

One line per backend/design over its server-scenario probes; VALID probes are dots, INVALID ones
crosses; the latency bound is a red dashed line. Measured lines are solid with filled dots,
modeled ones (a queue simulated against a modeled latency) dashed with hollow dots. Only ranked
records are drawn.
"""

from __future__ import annotations

from collections import defaultdict

from accelbench.report import provenance
from accelbench.report.data import ranked, series_label
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
from accelbench.report.server import bound, probes
from accelbench.report.units import seconds
from accelbench.results.record import Measurement

KEY = "server_load"
TITLE = "Server scenario: latency vs offered load, per workload (bound dashed red)"


def draw(inputs: PlotInput) -> PlotResult:
    runs: dict[str, list[Measurement]] = defaultdict(list)
    for m in ranked(inputs.records):
        if m.scenario == "server" and probes(m):
            runs[m.workload].append(m)
    if not runs:
        return omitted(KEY, TITLE, "no server-scenario runs (run with --scenario server --find-max-qps)")
    names = list(runs)[:MAX_PANELS]
    fig, axes = figure(len(names), 9.0, 3.0)
    colour = colours([series_label(m) for w in names for m in runs[w]])
    for ax, workload in zip(axes, names, strict=True):
        bounds = set()
        for m in runs[workload]:
            label, measured = series_label(m), provenance.of(m, "latency") == "measured"
            points = probes(m)
            ax.plot([p.offered_qps for p in points], [p.latency_s for p in points], color=colour[label], lw=1,
                    linestyle="-" if measured else "--",
                    label=plot_text(label if measured else f"{label} ({provenance.of(m, 'latency')})"))
            for p in points:
                if p.valid:
                    ax.plot([p.offered_qps], [p.latency_s], marker="o", markersize=5, linestyle="none",
                            color=colour[label], **marker_style(colour[label], measured))
                else:
                    ax.plot([p.offered_qps], [p.latency_s], marker="x", markersize=6, linestyle="none",
                            color=colour[label])
            limit, percentile = bound(m)
            if limit:
                bounds.add((limit, percentile))
        for limit, percentile in bounds:
            pct = f"p{100 * percentile:g}" if percentile else "bound"
            ax.axhline(limit, color="#d00000", lw=1, linestyle="--", label=f"{pct} bound {seconds(limit)}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        human_axis(ax, "x", "count")
        human_axis(ax, "y", "s")
        ax.set_title(plot_text(workload), fontsize=8)
        ax.set_xlabel("offered load (queries/s); x = INVALID probe", fontsize=7)
        ax.set_ylabel("latency at the percentile", fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(which="major", color="#dddddd", lw=0.6)
        ax.legend(fontsize=5.5, loc="best")
    return PlotResult(KEY, TITLE, to_svg(fig, KEY), notes=panel_note(len(runs), "workloads"))
