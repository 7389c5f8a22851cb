"""Roofline: achieved FLOP/s vs arithmetic intensity, one panel per device family, with its roofs.

Roofs come from :mod:`accelbench.report.roofs` (CPU and GPU peaks the backends stored or the CPU
peak table, FPGA DSP x clock): a flat compute roof and, where a bandwidth is known, the memory
slope (bandwidth x intensity). Intensity counts ideal bytes (each operand once). A point above
its family's roofs is ringed in red and the plot's notes say why (cache, data-sheet clock, model).
Measured points are filled, modeled hollow; only ranked records are drawn.
"""

from __future__ import annotations

from collections import defaultdict

from accelbench.report import provenance
from accelbench.report.data import ranked, series_label
from accelbench.report.escape import plot_text
from accelbench.report.plots.common import (
    PlotInput,
    PlotResult,
    colours,
    figure,
    human_axis,
    marker_style,
    omitted,
    to_svg,
)
from accelbench.report.roofs import above_roof, all_roofs
from accelbench.results.record import Measurement

KEY = "roofline"
TITLE = "Roofline per device family (roofs from peak tables; ideal-byte intensity)"
_ROOF_STYLES = ("-", "--", "-.", ":")


def _intensity(m: Measurement) -> float:
    return (m.flops or 0) / (m.bytes_moved or 1)


def draw(inputs: PlotInput) -> PlotResult:
    points = [m for m in ranked(inputs.records) if m.achieved_flops_s and m.flops and m.bytes_moved]
    if not points:
        return omitted(KEY, TITLE, "no ranked results with achieved FLOP/s")
    from matplotlib.lines import Line2D

    roofs, notes = all_roofs(points, inputs.environment, inputs.cpu_peaks)
    families: dict[str, list[Measurement]] = defaultdict(list)
    for m in points:
        families[m.family].append(m)
    fig, axes = figure(len(families), 9.0, 3.4)
    colour = colours([m.workload for m in points])
    above: list[str] = []
    for ax, (family, mine) in zip(axes, sorted(families.items()), strict=True):
        xs = [_intensity(m) for m in mine]
        lo, hi = min(xs) / 4, max(xs) * 4
        for i, roof in enumerate(roofs.get(family, [])):
            grid = [lo * (hi / lo) ** (k / 60) for k in range(61)]
            ax.plot(grid, [roof.attainable_flops_s(x) for x in grid], color="#555555", lw=1,
                    linestyle=_ROOF_STYLES[i % len(_ROOF_STYLES)],
                    label=plot_text(roof.label + ("" if roof.bytes_s else " (compute only)")))
        for m in mine:
            kind = provenance.of(m, "achieved_flops_s")
            measured = kind == "measured"
            ax.plot([_intensity(m)], [m.achieved_flops_s], marker="o", markersize=5, linestyle="none",
                    color=colour[m.workload], **marker_style(colour[m.workload], measured))
            why = above_roof(family, _intensity(m), m.achieved_flops_s or 0.0, not measured, roofs.get(family, []))
            if why:
                ax.plot([_intensity(m)], [m.achieved_flops_s], marker="o", markersize=10, linestyle="none",
                        markerfacecolor="none", markeredgecolor="#d00000")
                above.append(f"{m.workload} · {series_label(m)} b{m.batch}: {why}")
        if family not in roofs:
            ax.text(0.02, 0.95, f"no {family.upper()} peak known: no roof drawn", transform=ax.transAxes,
                    fontsize=6.5, va="top", color="#a00000")
        handles, _ = ax.get_legend_handles_labels()
        handles += [Line2D([], [], marker="o", linestyle="none", color=c, label=plot_text(w),
                           **marker_style(c, True)) for w, c in colour.items() if any(m.workload == w for m in mine)]
        handles += [Line2D([], [], marker="o", linestyle="none", color="#555555", label="hollow = modeled",
                           **marker_style("#555555", False))]
        if any(a.startswith(tuple(m.workload for m in mine)) for a in above):
            handles.append(Line2D([], [], marker="o", markersize=8, linestyle="none", markerfacecolor="none",
                                  markeredgecolor="#d00000", label="above its roof (see notes)"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        human_axis(ax, "y", "FLOP/s")
        human_axis(ax, "x", "")
        ax.set_title(family.upper(), fontsize=8)
        ax.set_xlabel("arithmetic intensity (FLOP per ideal byte)", fontsize=7)
        ax.tick_params(labelsize=6.5)
        ax.grid(which="major", color="#dddddd", lw=0.6)
        ax.legend(handles=handles, fontsize=5.5, loc="lower right")
    return PlotResult(KEY, TITLE, to_svg(fig, KEY), notes=(*notes, *sorted(set(above))))
