"""Shared plotting helpers: figures without pyplot, inline SVG text, colours, provenance styles, units.

matplotlib is imported lazily (``import accelbench`` stays light). Every plot is drawn under
:data:`accelbench.report.escape.PLOT_RC` (:func:`render`): math parsing and TeX are off, so a user
string with ``$...$`` is drawn as typed. Text stays SVG text (``svg.fonttype: none``), which
matplotlib's SVG writer XML-escapes; element ids are salted with the plot's key so several SVGs
inline in one HTML page never share an id and output is repeatable. Axes in seconds, items/s or
joules get human tick labels (µs, k items/s, mJ), never exponents.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accelbench.report import units
from accelbench.report.escape import PLOT_RC
from accelbench.report.roofs import NO_CPU_PEAK, CpuPeakConfig
from accelbench.results.record import Measurement

#: At most this many panels (workloads, families or design groups) per plot.
MAX_PANELS = 12
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")
HATCH = "///"


@dataclass(frozen=True)
class PlotInput:
    """What every plot may read: the run's records, its stored environment and configured CPU peaks."""

    records: Sequence[Measurement]
    environment: Mapping[str, Any] = field(default_factory=dict)
    cpu_peaks: CpuPeakConfig = NO_CPU_PEAK


@dataclass(frozen=True)
class PlotResult:
    """A drawn plot (``svg`` text) or an omitted one (``svg`` None and ``reason``), with notes."""

    key: str
    title: str
    svg: str | None
    reason: str = ""
    notes: tuple[str, ...] = ()


def omitted(key: str, title: str, reason: str) -> PlotResult:
    return PlotResult(key, title, None, reason)


def figure(panels: int = 1, width_in: float = 7.5, panel_height_in: float = 3.4, columns: int = 2) -> tuple[Any,
                                                                                                        list[Any]]:
    """A figure with ``panels`` axes in up to ``columns`` columns (unused grid cells hidden)."""
    from matplotlib.figure import Figure

    cols = 1 if panels == 1 else columns
    rows = (panels + cols - 1) // cols
    if panels == 1 and columns > 1:
        width_in = min(width_in, 6.0)  # a lone panel of a grid is as wide as one cell, not the page
    fig = Figure(figsize=(width_in, panel_height_in * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(panels)]
    return fig, axes


def to_svg(fig: Any, key: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog or doctype), ids salted with ``key``."""
    import matplotlib

    buffer = io.StringIO()
    settings: Any = {**PLOT_RC, "svg.hashsalt": f"accelbench-{key}"}
    with matplotlib.rc_context(settings):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def colours(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour per label (sorted order), cycling the palette."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(sorted(set(labels)))}


def marker_style(colour: str, measured: bool) -> dict[str, Any]:
    """Filled markers for measured figures, hollow ones otherwise."""
    return {"markerfacecolor": colour if measured else "white", "markeredgecolor": colour}


def bar_style(colour: str, measured: bool) -> dict[str, Any]:
    """Solid bars for measured figures, hatched pale ones otherwise."""
    if measured:
        return {"facecolor": colour, "edgecolor": colour}
    return {"facecolor": "white", "edgecolor": colour, "hatch": HATCH}


def provenance_handles(kinds: Sequence[str], colour: str = "#555555") -> list[Any]:
    """Legend entries explaining the marker style of each provenance kind present."""
    from matplotlib.lines import Line2D

    handles = []
    for kind in sorted(set(kinds)):
        measured = kind == "measured"
        handles.append(Line2D([], [], marker="o", linestyle="-" if measured else "--", color=colour,
                              label=kind if measured else f"{kind} (hollow, dashed)", **marker_style(colour, measured)))
    return handles


def panel_note(total: int, what: str) -> tuple[str, ...]:
    """A note when only the first :data:`MAX_PANELS` of ``total`` panels are drawn."""
    if total <= MAX_PANELS:
        return ()
    return (f"showing the first {MAX_PANELS} of {total} {what}; every figure is in the tables and CSV files",)


def render(draw: Callable[[PlotInput], PlotResult], inputs: PlotInput) -> PlotResult:
    """``draw(inputs)`` with math parsing and TeX off, so no user string reaches mathtext."""
    import matplotlib

    settings: Any = PLOT_RC
    with matplotlib.rc_context(settings):
        return draw(inputs)


HUMAN: dict[str, Callable[[float | None], str]] = {
    "s": units.seconds, "items/s": units.items_per_s, "J": units.joules, "W": units.watts,
    "FLOP/s": lambda v: units.rate(v, "FLOP/s"), "%": units.percent, "": units.plain, "small": units.small,
    "count": lambda v: units.rate(v, "").strip(),
}


def human_axis(ax: Any, which: str, unit: str) -> None:
    """Tick labels of ``ax``'s ``which`` axis ('x' or 'y') in human units of ``unit`` (log scale kept).

    Every log axis of a report plot needs this: matplotlib's default log labels are mathtext
    (``$\\mathdefault{10^{-3}}$``), which :data:`PLOT_RC` turns off. ``unit`` '' is a plain number,
    ``count`` a number with k/M/G prefixes.
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fmt = HUMAN[unit]
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt(value)))
    axis.set_minor_formatter(NullFormatter())
