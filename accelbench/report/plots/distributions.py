"""Sample distributions (like pytest-benchmark's ``--benchmark-histogram``): one panel per workload,
a box plot of every measured result's raw per-call samples (box: quartiles, line: median, whiskers:
5th-95th percentile, dots beyond). Only measured timings have a distribution: a model has one value."""

from __future__ import annotations

from accelbench.report.data import by_workload, ranked, series_label
from accelbench.report.escape import plot_text
from accelbench.report.plots.common import (
    MAX_PANELS,
    PlotInput,
    PlotResult,
    colours,
    figure,
    human_axis,
    omitted,
    panel_note,
    to_svg,
)
from accelbench.results.record import Measurement

KEY = "distributions"
TITLE = "Per-call sample distributions of measured results (box: quartiles; whiskers: 5th-95th percentile)"
MIN_SAMPLES = 5


def _has_samples(m: Measurement) -> bool:
    return m.provenance.get("latency") == "measured" and len(m.samples_s) >= MIN_SAMPLES


def draw(inputs: PlotInput) -> PlotResult:
    points = [m for m in ranked(inputs.records) if _has_samples(m)]
    if not points:
        return omitted(KEY, TITLE, f"no measured result with at least {MIN_SAMPLES} raw samples")
    groups = by_workload(points)
    names = list(groups)[:MAX_PANELS]
    tallest = max(len(groups[w]) for w in names)
    fig, axes = figure(len(names), 8.5, max(1.3, 0.3 * tallest + 0.9), columns=1)
    colour = colours([m.backend for m in points])
    for ax, workload in zip(axes, names, strict=True):
        mine = groups[workload]
        data = [[s for s in m.samples_s if s > 0] for m in mine]
        parts = ax.boxplot(data, orientation="horizontal", whis=(5, 95), widths=0.55, patch_artist=True,
                           flierprops={"marker": ".", "markersize": 2, "alpha": 0.4})
        for box, m in zip(parts["boxes"], mine, strict=True):
            box.set_facecolor(colour[m.backend])
            box.set_alpha(0.55)
        ax.set_yticks(range(1, len(mine) + 1),
                      [plot_text(f"{series_label(m)} · b{m.batch} · n={len(m.samples_s)}") for m in mine], fontsize=6.5)
        ax.invert_yaxis()
        ax.set_xscale("log")
        human_axis(ax, "x", "s")
        ax.set_title(plot_text(workload), fontsize=8)
        ax.set_xlabel("latency per call (each sample: one timed block / its iterations)", fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(axis="x", which="major", color="#dddddd", lw=0.6)
    return PlotResult(KEY, TITLE, to_svg(fig, KEY), notes=panel_note(len(groups), "workloads"))
