"""Report plots (matplotlib, Agg) as inline SVG text. Each returns (svg, "") or (None, why not).

Non-measured figures are drawn hatched (bars) or hollow (markers) and say so in the legend.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from accelbench.report.data import Crossover, crossovers, pareto_front, throughput_series, valid
from accelbench.results.record import Measurement

Plot = tuple[str | None, str]


def _figure(width: float = 7.5, height: float = 3.6) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text (escaped by matplotlib's SVG writer)
    return plt.subplots(figsize=(width, height))


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _measured(m: Measurement, figure: str = "latency") -> bool:
    return m.provenance.get(figure, "measured") == "measured"


def latency_plot(records: Sequence[Measurement]) -> Plot:
    """p50 per workload and backend, whiskers to p90 and p99; hatched when modeled."""
    points = [m for m in valid(records) if m.latency is not None]
    if not points:
        return None, "no valid latency results"
    fig, ax = _figure(8.0, max(2.5, 0.28 * len(points) + 1))
    labels = [f"{m.workload} · {m.backend} · b{m.batch}" for m in points]
    for i, m in enumerate(points):
        assert m.latency is not None
        modeled = not _measured(m)
        ax.barh(i, m.latency.p50_s, color="#9ab" if modeled else "#3a6ea5", hatch="//" if modeled else None,
                edgecolor="#234")
        if m.latency.n_samples:
            ax.plot([m.latency.p50_s, m.latency.p90_s], [i, i], color="#222", lw=1)
            ax.plot([m.latency.p90_s, m.latency.p99_s], [i, i], color="#999", lw=1)
    ax.set_yticks(range(len(points)), labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("latency per call (s): p50 bar, p90 (black) and p99 (grey) whiskers; hatched = modeled")
    ax.invert_yaxis()
    return _svg(fig), ""


def throughput_plot(records: Sequence[Measurement]) -> Plot:
    """Throughput vs batch size per device, crossovers marked."""
    series = {w: s for w, s in throughput_series(records).items() if any(len(p) > 1 for p in s.values())}
    if not series:
        return None, "needs one workload measured at two or more batch sizes (run with --batch 1,8,64)"
    fig, ax = _figure()
    for workload, backends in series.items():
        for backend, pts in backends.items():
            modeled = any(not _measured(m, "throughput_items_s") for m in records
                          if m.workload == workload and m.backend == backend and m.valid)
            ax.plot([b for b, _ in pts], [t for _, t in pts], marker="o", mfc="none" if modeled else None,
                    ls="--" if modeled else "-", label=f"{workload} · {backend}{' (modeled)' if modeled else ''}")
    for c in crossovers(records):
        ax.axvspan(c.batch_before, c.batch_after, color="#fc6", alpha=0.25)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size (shaded: a crossover, where one device overtakes another)")
    ax.set_ylabel("items / s")
    ax.legend(fontsize=6)
    return _svg(fig), ""


def crossover_text(found: Sequence[Crossover]) -> list[str]:
    return [f"{c.workload}: {c.leader} overtakes {c.trailer} between batch {c.batch_before} and {c.batch_after}"
            for c in found]


def energy_plot(records: Sequence[Measurement]) -> Plot:
    points = [m for m in valid(records) if m.energy_j_per_item]
    if not points:
        return None, "no energy figures stored (run with --power)"
    fig, ax = _figure(8.0, max(2.5, 0.28 * len(points) + 1))
    for i, m in enumerate(points):
        modeled = not _measured(m, "energy_j_per_item")
        ax.barh(i, m.energy_j_per_item, color="#c96" if modeled else "#a52", hatch="//" if modeled else None,
                edgecolor="#432")
    ax.set_yticks(range(len(points)), [f"{m.workload} · {m.backend} · b{m.batch}" for m in points], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("energy per inference (J); hatched = modeled (no sensor)")
    ax.invert_yaxis()
    return _svg(fig), ""


def _roofs(records: Sequence[Measurement]) -> list[tuple[str, float, float | None]]:
    """(label, peak FLOP/s, peak bytes/s) per device: FPGA from DSP x clock; GPU from the peak table."""
    roofs: list[tuple[str, float, float | None]] = []
    seen: set[str] = set()
    for m in valid(records):
        if m.fpga and m.fpga.get("part") and m.fpga["part"] not in seen:
            from accelbench.fpga.parts import get_part

            part = get_part(str(m.fpga["part"]))
            seen.add(part.name)
            roofs.append((f"{part.name} DSP x clock (modeled)", 2 * part.dsp * 1e9 / float(m.fpga["clock_ns"]), None))
        gpu = (m.device or {}).get("peak") if m.family == "gpu" else None
        if isinstance(gpu, dict) and gpu.get("name") not in seen:
            seen.add(str(gpu.get("name")))
            roofs.append((f"{gpu.get('name')} peak", float(gpu.get("flops_s", 0)), gpu.get("bytes_s")))
    return roofs


def roofline_plot(records: Sequence[Measurement]) -> Plot:
    points = [m for m in valid(records) if m.achieved_flops_s and m.flops and m.bytes_moved]
    if not points:
        return None, "no results with achieved FLOP/s"
    fig, ax = _figure()
    by_family: dict[str, list[Measurement]] = defaultdict(list)
    for m in points:
        by_family[m.family].append(m)
    colours = {"cpu": "#3a6ea5", "gpu": "#4a4", "fpga": "#a52"}
    for family, ms in by_family.items():
        for m in ms:
            intensity = (m.flops or 0) / (m.bytes_moved or 1)
            hollow = not _measured(m)
            ax.scatter(intensity, m.achieved_flops_s, s=22, facecolors="none" if hollow else colours.get(family),
                       edgecolors=colours.get(family, "#333"))
        ax.scatter([], [], color=colours.get(family), label=f"{family} (hollow = modeled)")
    xs = [(m.flops or 0) / (m.bytes_moved or 1) for m in points]
    lo, hi = min(xs) / 2, max(xs) * 2
    for label, flops, bandwidth in _roofs(records):
        ridge = [lo, hi]
        ax.plot(ridge, [min(flops, bandwidth * x) if bandwidth else flops for x in ridge], ls="--", lw=1, label=label)
    measured = [m for m in points if _measured(m)]
    if measured:
        best = max(measured, key=lambda m: m.achieved_flops_s or 0)
        ax.axhline(best.achieved_flops_s or 0, color="#999", lw=0.8, ls=":", label="best measured here (not a peak)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP / ideal byte)")
    ax.set_ylabel("achieved FLOP/s")
    ax.legend(fontsize=6)
    return _svg(fig), ""


def pareto_plot(records: Sequence[Measurement]) -> Plot:
    points = [(m.latency.p50_s, m.energy_j_per_item, f"{m.workload} · {m.backend} · b{m.batch}")
              for m in valid(records) if m.latency and m.energy_j_per_item]
    if len(points) < 2:
        return None, "needs two or more results with both latency and energy"
    fig, ax = _figure()
    ax.scatter([p[0] for p in points], [p[1] for p in points], s=14, color="#888")
    front = pareto_front(points)
    ax.plot([p[0] for p in front], [p[1] for p in front], marker="o", color="#a52", label="Pareto front")
    for x, y, label in front:
        ax.annotate(label, (x, y), fontsize=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("latency p50 (s)")
    ax.set_ylabel("energy per inference (J)")
    ax.legend(fontsize=7)
    return _svg(fig), ""


def fpga_resources_plot(records: Sequence[Measurement]) -> Plot:
    groups: dict[str, list[Measurement]] = defaultdict(list)
    for m in records:
        if m.fpga and m.fpga.get("reuse_factor") is not None:
            groups[f"{m.workload} {m.fpga.get('precision', '')}"].append(m)
    groups = {k: v for k, v in groups.items() if len({m.fpga.get("reuse_factor") for m in v if m.fpga}) > 1}
    if not groups:
        return None, "needs an FPGA design at two or more reuse factors (accelbench fpga explore)"
    fig, ax = _figure()
    for label, ms in groups.items():
        ms = sorted(ms, key=lambda m: (m.fpga or {})["reuse_factor"])
        rfs = [(m.fpga or {})["reuse_factor"] for m in ms]
        for key, style in (("dsp", "-o"), ("lut", "--s"), ("bram18k", ":^")):
            ax.plot(rfs, [(m.fpga or {}).get(key) or math.nan for m in ms], style, mfc="none", label=f"{label} {key}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("reuse factor (all resources modeled: hollow markers)")
    ax.set_ylabel("resources")
    ax.legend(fontsize=6)
    return _svg(fig), ""


def precision_error_plot(records: Sequence[Measurement]) -> Plot:
    points = [(str((m.fpga or {}).get("precision")), m.error.rel, m.workload) for m in records
              if m.fpga and m.fpga.get("precision") and m.error]
    if len({p[0] for p in points}) < 2:
        return None, "needs FPGA designs at two or more precisions (accelbench fpga explore --precision ...)"
    fig, ax = _figure()
    labels = sorted({p[0] for p in points})
    for workload in sorted({p[2] for p in points}):
        mine = [p for p in points if p[2] == workload]
        ax.scatter([labels.index(p[0]) for p in mine], [p[1] for p in mine], label=workload)
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("relative error vs float64 (C simulation)")
    ax.legend(fontsize=7)
    return _svg(fig), ""
