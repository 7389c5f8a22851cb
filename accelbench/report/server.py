"""Server-scenario results (LoadGen-style, accelbench.measure.loadgen) as report data (pure).

A server record's ``scenario_detail`` holds its probes — one per offered rate, each
``{"target_qps", "achieved_qps", "verdict": "VALID" | "INVALID", "reason",
"percentile_latency_s", ...}`` — under ``"probes"`` (a run at one rate may store that probe's
keys at the top level instead), and the run's ``latency_bound_s`` and ``percentile`` (0-1). The
highest VALID offered rate is ``max_valid_qps`` when stored, else the best VALID probe's rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Probe:
    """One offered rate (queries/s) and the latency (s) at the run's percentile, queueing included."""

    offered_qps: float
    latency_s: float
    valid: bool


def _number(value: Any) -> float | None:
    """A finite number, else None (a probe beyond a modeled capacity has an infinite latency)."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def probes(m: Measurement) -> list[Probe]:
    """The record's probes sorted by offered rate ([] for other scenarios or incomplete details)."""
    detail = m.scenario_detail or {}
    raw = detail.get("probes")
    items = raw if isinstance(raw, list) else [detail] if "target_qps" in detail else []
    out = []
    for p in items:
        if not isinstance(p, dict):
            continue
        offered, latency = _number(p.get("target_qps")), _number(p.get("percentile_latency_s"))
        if offered and offered > 0 and latency and latency > 0:
            out.append(Probe(offered, latency, str(p.get("verdict", "")).upper() == "VALID"))
    return sorted(out, key=lambda p: p.offered_qps)


def bound(m: Measurement) -> tuple[float | None, float | None]:
    """(latency bound in s, percentile in 0-1) of a server record, None where not stored."""
    detail = m.scenario_detail or {}
    return _number(detail.get("latency_bound_s")), _number(detail.get("percentile"))


def max_valid_qps(m: Measurement) -> float | None:
    """The highest offered rate (queries/s) that stayed VALID, or None (not a server record / none VALID)."""
    if m.scenario != "server":
        return None
    stored = _number((m.scenario_detail or {}).get("max_valid_qps"))
    if stored and stored > 0:
        return stored
    valid = [p.offered_qps for p in probes(m) if p.valid]
    return max(valid) if valid else None
