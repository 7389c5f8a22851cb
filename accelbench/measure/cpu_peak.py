"""CPU peak FLOP/s per dtype, for percent-of-peak and the roofline's CPU roof.

Where the CPU describes itself (Linux ``/proc/cpuinfo``): physical cores usable by this process x
SIMD lanes of the widest vector unit (``avx512f`` 16 float32 lanes, ``avx``/``avx2`` 8, ``sse2`` 4,
Arm ``asimd`` 4) x 2 FLOP per fused multiply-add x FMA units per core x clock (cpufreq's maximum,
else the ``cpu MHz`` line). The FMA-unit count is not in ``/proc/cpuinfo``: 2 is assumed (Intel
since Haswell, AMD Zen 2+, Arm Neoverse), which makes the figure an upper bound on parts with one
AVX-512 unit; AVX-512 clock reductions also make it an upper bound. float64 has half the lanes;
float16 doubles them only with ``avx512_fp16`` (otherwise it computes at the float32 rate).

Elsewhere a short measured micro-kernel (a float32 and a float64 512³ GEMM through the BLAS,
FMA-bound, best of 5) gives the peak, labelled ``measured`` — a lower bound.

Units: FLOP/s and Hz.
"""

from __future__ import annotations

import contextlib
import os
import time
from functools import cache
from pathlib import Path
from typing import Any

#: (cpuinfo flag, float32 lanes, has FMA) from widest to narrowest.
SIMD = (("avx512f", 16, True), ("avx2", 8, None), ("avx", 8, None), ("sse2", 4, False), ("asimd", 4, True))
FMA_UNITS = 2


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """Flags, physical core count and clock (Hz, None when absent) from ``/proc/cpuinfo`` text."""
    flags: set[str] = set()
    cores: set[tuple[str, str]] = set()
    processors = 0
    mhz: list[float] = []
    physical, core = "0", None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "processor":
            processors += 1
            physical, core = "0", None
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
        elif key == "physical id":
            physical = value
        elif key == "core id":
            core = value
            cores.add((physical, core))
        elif key == "cpu mhz":
            with contextlib.suppress(ValueError):
                mhz.append(float(value))
    return {"flags": flags, "cores": len(cores) or processors, "clock_hz": max(mhz) * 1e6 if mhz else None}


def _max_clock_hz() -> float | None:
    path = Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    try:
        return float(path.read_text().strip()) * 1e3  # kHz
    except (OSError, ValueError):
        return None


def _usable_cores(physical: int) -> int:
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        allowed = os.cpu_count() or 1
    return max(1, min(physical, allowed))


def table_peak(info: dict[str, Any], clock_hz: float, cores: int) -> dict[str, Any] | None:
    """Peak per dtype from cores x SIMD lanes x FMA x clock, or None for an unknown vector unit."""
    flags = info["flags"]
    found = next((row for row in SIMD if row[0] in flags), None)
    if found is None:
        return None
    flag, lanes, fma = found
    has_fma = fma if fma is not None else "fma" in flags
    # With FMA: 2 FLOP per lane per unit; without, one add port and one multiply port per core.
    per_cycle = lanes * 2 * (FMA_UNITS if has_fma else 1)
    fp32 = cores * per_cycle * clock_hz
    fp16 = 2 * fp32 if "avx512_fp16" in flags else fp32
    text = (f"computed: {cores} core(s) x {lanes} float32 lanes ({flag}) x "
            + (f"{FMA_UNITS} FMA units (assumed) x 2 FLOP" if has_fma else "add + multiply ports")
            + f" x {clock_hz / 1e9:.2f} GHz; an upper bound")
    return {"float32": fp32, "float64": fp32 / 2, "float16": fp16, "flops_s": fp32,
            "name": f"CPU {cores} core(s) {flag}", "peak_source": "computed from /proc/cpuinfo (upper bound)",
            "source": text}


def measured_peak(repeats: int = 5, n: int = 512) -> dict[str, Any]:
    """Peak per dtype from a short BLAS GEMM (best of ``repeats``): a lower bound, labelled measured."""
    import numpy as np

    out: dict[str, Any] = {}
    for dtype in ("float32", "float64"):
        a = np.ones((n, n), dtype=dtype)
        b = np.ones((n, n), dtype=dtype)
        best = min(_timed_matmul(a, b) for _ in range(repeats + 1))  # the first is a warm-up, rarely the best
        out[dtype] = 2 * n**3 / best if best > 0 else 0.0
    out["float16"] = out["float32"]
    out.update(flops_s=out["float32"], name="CPU (measured)", peak_source="measured BLAS GEMM (lower bound)",
               source=f"measured: {n}x{n}x{n} GEMM through the BLAS, best of {repeats}; a lower bound")
    return out


def _timed_matmul(a: Any, b: Any) -> float:
    t0 = time.perf_counter()
    a @ b
    return time.perf_counter() - t0


@cache
def cpu_peak() -> dict[str, Any]:
    """This host's CPU peak per dtype (``{"float32": FLOP/s, ..., "peak_source": ...}``), cached."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        info = parse_cpuinfo(cpuinfo.read_text(errors="replace"))
        clock = _max_clock_hz() or info["clock_hz"]
        if clock:
            peak = table_peak(info, clock, _usable_cores(info["cores"]))
            if peak is not None:
                return peak
    return measured_peak()


def peak_for_dtype(peak: dict[str, Any] | None, dtype: str) -> float | None:
    """The peak for ``dtype`` from a device's ``peak`` entry (None when it has none for it).

    An entry without per-dtype keys (the GPU table's ``flops_s`` is the float32 rate without
    tensor cores) serves float32 and float16 only, never float64.
    """
    if not isinstance(peak, dict):
        return None
    value = peak.get(dtype)
    if value is None and dtype in ("float32", "float16"):
        value = peak.get("flops_s")
    return float(value) if isinstance(value, int | float) and value > 0 else None
