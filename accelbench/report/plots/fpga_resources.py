"""FPGA resources (DSP, LUT, BRAM18K) vs reuse factor, per workload and precision; all modeled.

Designs that do not fit or are model-only are drawn too (this plot ranks nothing): their points
are crossed, so the reuse factor where a design starts to fit is visible.
"""

from __future__ import annotations

import math
from collections import defaultdict

from accelbench.report.escape import plot_text
from accelbench.report.plots.common import PlotInput, PlotResult, figure, human_axis, omitted, to_svg
from accelbench.results.record import UNRANKED_WITH_FIGURES, Measurement

KEY = "fpga_resources"
TITLE = "FPGA resources vs reuse factor (modeled)"


def draw(inputs: PlotInput) -> PlotResult:
    groups: dict[str, list[Measurement]] = defaultdict(list)
    for m in inputs.records:
        if m.fpga and m.fpga.get("reuse_factor") is not None and (m.valid or m.status in UNRANKED_WITH_FIGURES):
            groups[f"{m.workload} {m.fpga.get('precision', '')}"].append(m)
    groups = {k: v for k, v in groups.items() if len({(m.fpga or {}).get("reuse_factor") for m in v}) > 1}
    if not groups:
        return omitted(KEY, TITLE, "needs an FPGA design at two or more reuse factors (accelbench fpga explore)")
    fig, (ax,) = figure(1, 8.0, 3.4)
    for label, ms in groups.items():
        ms = sorted(ms, key=lambda m: (m.fpga or {})["reuse_factor"])
        rfs = [(m.fpga or {})["reuse_factor"] for m in ms]
        for key, style in (("dsp", "-o"), ("lut", "--s"), ("bram18k", ":^")):
            values = [(m.fpga or {}).get(key) or math.nan for m in ms]
            line = ax.plot(rfs, values, style, mfc="none", label=plot_text(f"{label} {key}"))
            crossed = [(rf, v) for rf, v, m in zip(rfs, values, ms, strict=True) if not m.valid]
            if crossed:
                ax.plot([c[0] for c in crossed], [c[1] for c in crossed], "x", color=line[0].get_color(), ms=8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    human_axis(ax, "x", "")
    human_axis(ax, "y", "count")
    ax.set_xlabel("reuse factor (hollow: modeled; x: does not fit or model-only)", fontsize=7)
    ax.set_ylabel("resources", fontsize=7)
    ax.legend(fontsize=6)
    return PlotResult(KEY, TITLE, to_svg(fig, KEY))
