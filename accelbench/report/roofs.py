"""Roofs of the roofline plot per device family, from peak tables only (nothing is measured here).

CPU: the peak the CPU backend stored with each record (``device["peak"]``, with its
``peak_source``) when there is one, else :mod:`accelbench.report.cpu_peaks` for the run's CPU model
and core count, or configured figures; with none of these the report says "no CPU peak known".
GPU: the data-sheet peak the GPU backend stored with each record (``device["peak"]``,
from its peak table). FPGA: 2 FLOP (one multiply-accumulate) per DSP per clock from the part
catalog; the catalog has no memory bandwidth, so FPGA roofs are compute-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accelbench.errors import UserError
from accelbench.report.cpu_peaks import find_cpu_peak
from accelbench.report.data import ranked
from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Roof:
    """A compute roof (FLOP/s) and, when known, a memory roof (bytes/s), with where they come from."""

    family: str
    label: str
    flops_s: float
    bytes_s: float | None
    source: str

    def attainable_flops_s(self, intensity_flop_per_byte: float) -> float:
        """min(compute roof, bandwidth x arithmetic intensity)."""
        if self.bytes_s is None:
            return self.flops_s
        return min(self.flops_s, self.bytes_s * intensity_flop_per_byte)


@dataclass(frozen=True)
class CpuPeakConfig:
    """Configured CPU peak figures (FLOP/s and bytes/s) overriding the table; None = use the table."""

    flops_s: float | None = None
    bytes_s: float | None = None


#: No configured CPU peak: stored peaks or the table decide.
NO_CPU_PEAK = CpuPeakConfig()


def _dtypes(records: Sequence[Measurement], family: str) -> list[str]:
    found = sorted({str(m.params.get("dtype", "float32")) for m in ranked(records) if m.family == family})
    return [d for d in found if d in ("float32", "float64")] or ["float32"]


def stored_peak(m: Measurement) -> tuple[str, float, float | None, str] | None:
    """(name, FLOP/s, bytes/s or None, source) of the peak a backend stored in ``m.device["peak"]``.

    Accepts ``{"name", "flops_s", "bytes_s", "source", "peak_source"}`` with optional per-dtype
    FLOP/s (``"float64": 1.2e11`` or ``"float64": {"flops_s": ...}``); the record's dtype is picked,
    and a peak without that dtype serves float32/float16 only (as measure.cpu_peak.peak_for_dtype).
    """
    peak = m.device.get("peak")
    if not isinstance(peak, dict):
        return None
    dtype = str(m.params.get("dtype", "float32"))
    chosen = peak.get(dtype)
    if isinstance(chosen, dict):
        peak, chosen = {**peak, **chosen}, chosen.get("flops_s")
    if chosen is None and dtype in ("float32", "float16"):
        chosen = peak.get("flops_s")
    if not isinstance(chosen, int | float) or chosen <= 0:
        return None
    bandwidth = peak.get("bytes_s")
    name = str(peak.get("name") or m.device.get("device") or m.backend)
    source = "; ".join(str(part) for part in (peak.get("peak_source"), peak.get("source")) if part)
    return (f"{name}, {dtype}", float(chosen), float(bandwidth) if isinstance(bandwidth, int | float) and bandwidth > 0
            else None, source)


def _stored_roofs(records: Sequence[Measurement], family: str) -> list[Roof]:
    roofs: dict[str, Roof] = {}
    for m in ranked(records):
        found = stored_peak(m) if m.family == family else None
        if found is not None and found[0] not in roofs:
            roofs[found[0]] = Roof(family, f"{found[0]} peak", found[1], found[2], found[3])
    return list(roofs.values())


def _with_cpu_bandwidth(roofs: list[Roof], environment: Mapping[str, Any],
                        config: CpuPeakConfig) -> tuple[list[Roof], list[str]]:
    """Stored CPU compute roofs given a memory slope: configured, else the CPU table's socket bandwidth."""
    if any(r.bytes_s for r in roofs):
        return roofs, []
    table = find_cpu_peak(str(environment.get("cpu") or ""))
    bandwidth = config.bytes_s or (table.memory_bytes_s if table else None)
    if bandwidth is None:
        return roofs, ["no CPU memory bandwidth known: the CPU roof is compute-only (give one with "
                       "--cpu-peak-bytes-s)"]
    where = "configured" if config.bytes_s else f"{table.name} data sheet" if table else ""
    return [Roof(r.family, f"{r.label} + {bandwidth / 1e9:.3g} GB/s ({where})", r.flops_s, bandwidth,
                 r.source) for r in roofs], []


def cpu_roofs(records: Sequence[Measurement], environment: Mapping[str, Any],
              config: CpuPeakConfig = NO_CPU_PEAK) -> tuple[list[Roof], list[str]]:
    """CPU roofs for the run's CPU and the number of CPUs it could use, with notes on what is missing."""
    if not any(m.family == "cpu" for m in ranked(records)):
        return [], []
    stored = _stored_roofs(records, "cpu")
    if stored and not config.flops_s:
        return _with_cpu_bandwidth(stored, environment, config)
    if config.flops_s:
        bw = f", {config.bytes_s / 1e9:.3g} GB/s" if config.bytes_s else ""
        return [Roof("cpu", f"CPU configured peak ({config.flops_s / 1e9:.3g} GFLOP/s{bw})", config.flops_s,
                     config.bytes_s, "configured with --cpu-peak-flops-s / --cpu-peak-bytes-s")], []
    model = str(environment.get("cpu") or "unknown CPU")
    peak = find_cpu_peak(model)
    if peak is None:
        return [], [f"no CPU peak known: {model!r} stored no peak and is not in the CPU peak table "
                    "(accelbench/report/cpu_peaks.py); give one with --cpu-peak-flops-s and --cpu-peak-bytes-s"]
    threads = environment.get("threads") or {}
    cores = int(threads.get("affinity") or threads.get("cpu_count") or peak.cores)
    roofs = [Roof("cpu", f"{peak.name} data sheet, {min(cores, peak.cores)} of {peak.cores} cores, {dtype}",
                  peak.flops_s(cores, dtype), peak.memory_bytes_s, peak.source + " (socket bandwidth)")
             for dtype in _dtypes(records, "cpu")]
    return roofs, [f"CPU roof counts the run's {cores} logical CPU(s) as cores at base clock, and the whole "
                   "socket's DRAM bandwidth: an upper bound"]


def gpu_roofs(records: Sequence[Measurement]) -> tuple[list[Roof], list[str]]:
    """GPU roofs from the peak each GPU record carries; a note per GPU without one."""
    notes = sorted({f"no GPU roof for {m.device.get('device') or m.backend}: not in the GPU peak table "
                    "(accelbench/backends/gpu_info.py)" for m in ranked(records)
                    if m.family == "gpu" and stored_peak(m) is None})
    return _stored_roofs(records, "gpu"), notes


def fpga_roofs(records: Sequence[Measurement]) -> tuple[list[Roof], list[str]]:
    """FPGA compute roofs: 2 x DSP count x clock (one MAC per DSP per cycle) for each part and clock."""
    roofs: dict[tuple[str, float], Roof] = {}
    notes: set[str] = set()
    for m in ranked(records):
        fpga = m.fpga or {}
        if not fpga.get("part") or not fpga.get("clock_ns"):
            continue
        key = (str(fpga["part"]), float(fpga["clock_ns"]))
        if key in roofs:
            continue
        from accelbench.fpga.parts import get_part

        try:
            part = get_part(key[0])
        except UserError:
            notes.add(f"no FPGA roof for {key[0]}: not in the part catalog (hls/parts.toml)")
            continue
        mhz = 1e3 / key[1]
        roofs[key] = Roof("fpga", f"{part.name}: 2 x {part.dsp} DSP x {mhz:.0f} MHz", 2.0 * part.dsp * mhz * 1e6,
                          None, part.source)
    if roofs:
        notes.add("FPGA roofs are compute-only: the part catalog has no memory bandwidth figure")
    return list(roofs.values()), sorted(notes)


def all_roofs(records: Sequence[Measurement], environment: Mapping[str, Any],
              cpu: CpuPeakConfig = NO_CPU_PEAK) -> tuple[dict[str, list[Roof]], list[str]]:
    """family -> roofs, and the notes that say which roofs are missing or bounded and why."""
    out: dict[str, list[Roof]] = {}
    notes: list[str] = []
    for family, (roofs, why) in (("cpu", cpu_roofs(records, environment, cpu)), ("gpu", gpu_roofs(records)),
                                 ("fpga", fpga_roofs(records))):
        if roofs:
            out[family] = roofs
        notes += why
    return out, notes


def above_roof(family: str, intensity: float, flops_s: float, modeled: bool, roofs: Sequence[Roof]) -> str:
    """Why a point of ``family`` at ``intensity`` FLOP/byte sits above every roof of its family ('' if not).

    Intensity counts ideal bytes (each operand once), so a measured point above the memory slope
    ran from cache, and above the compute roof the peak table undercounts (turbo clocks, more
    units than listed); a modeled point above its roof means the model assumes more than the part.
    """
    if not roofs:
        return ""
    limit = max(r.attainable_flops_s(intensity) for r in roofs)
    if flops_s <= limit * 1.0001:
        return ""
    compute = max(r.flops_s for r in roofs)
    if modeled:
        return ("modeled figure above the roof: the model's latency assumes more parallel work per clock than "
                "2 FLOP per DSP (or less memory traffic) allows")
    if flops_s <= compute:
        return "above the memory slope: the working set stays in cache between calls (DRAM bandwidth does not bind)"
    source = next((r.source for r in roofs if r.flops_s == compute), "")
    return ("above the compute roof: the peak is not an upper bound here (" + (source or "its source") +
            "; turbo clocks or a measured lower-bound peak)")
