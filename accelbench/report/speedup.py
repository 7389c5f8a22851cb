"""Speed-up of every ranked result over the CPU baseline at the same workload, batch and scenario (pure).

The baseline is cpu-numpy, else cpu-torch: a rankable record whose latency is measured (when a
run repeated the baseline, its fastest p50 is used, so speed-ups are never flattered). A speed-up
is given only within one provenance class (:func:`accelbench.results.rank.same_class`): a
modeled or simulated latency has none against a measured baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.report.data import ranked
from accelbench.results.rank import same_class
from accelbench.results.record import Measurement

BASELINES = ("cpu-numpy", "cpu-torch")


@dataclass(frozen=True)
class Speedup:
    """``factor`` = baseline p50 / this p50 (dimensionless, > 1 is faster than the baseline)."""

    factor: float
    baseline: str


def baselines(records: Sequence[Measurement]) -> dict[tuple[str, int, str], Measurement]:
    """(workload, batch, scenario) -> the baseline record (fastest measured p50 of the first baseline)."""
    found: dict[tuple[str, int, str], Measurement] = {}
    for name in BASELINES:
        for m in ranked(records):
            if m.backend != name or m.provenance.get("latency") != "measured" or m.latency is None:
                continue
            key = (m.workload, m.batch, m.scenario)
            held = found.get(key)
            if held is not None and held.backend != name:
                continue  # an earlier baseline in BASELINES already covers this point
            if held is None or (held.latency is not None and m.latency.p50_s < held.latency.p50_s):
                found[key] = m
    return found


def speedups(records: Sequence[Measurement]) -> dict[str, Speedup]:
    """measurement_id -> Speedup, for ranked results of the baseline's class that have a baseline."""
    base = baselines(records)
    out: dict[str, Speedup] = {}
    for m in ranked(records):
        ref = base.get((m.workload, m.batch, m.scenario))
        if ref is None or m.latency is None or ref.latency is None or m.latency.p50_s <= 0:
            continue
        if same_class(ref, m, "latency"):
            out[m.measurement_id] = Speedup(ref.latency.p50_s / m.latency.p50_s, ref.backend)
    return out
