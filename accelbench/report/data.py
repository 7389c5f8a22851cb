"""Pure data preparation for reports: rows, speedups, crossovers, Pareto fronts (no plotting, no I/O)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.results.record import Measurement

BASELINES = ("cpu-numpy", "cpu-torch")
MARKS = {"measured": "", "simulated": "ˢ", "reported": "ʳ", "modeled": "ᵐ"}


def mark(provenance: str | None) -> str:
    """Marker appended to a figure: none for measured, ˢ simulated, ʳ reported, ᵐ modeled."""
    return MARKS.get(provenance or "measured", "?")


def valid(records: Sequence[Measurement]) -> list[Measurement]:
    return [m for m in records if m.valid and m.latency is not None]


def invalid(records: Sequence[Measurement]) -> list[Measurement]:
    """Results that failed (invalid output or an error): listed with reasons, never ranked."""
    return [m for m in records if m.status in ("invalid", "error")]


def skipped(records: Sequence[Measurement]) -> list[Measurement]:
    return [m for m in records if m.status in ("unavailable", "unsupported")]


def by_workload(records: Sequence[Measurement]) -> dict[str, list[Measurement]]:
    groups: dict[str, list[Measurement]] = defaultdict(list)
    for m in records:
        groups[m.workload].append(m)
    return dict(groups)


def speedups(records: Sequence[Measurement]) -> dict[str, float | None]:
    """measurement_id -> baseline p50 / this p50 at the same workload, batch and scenario.

    The baseline is cpu-numpy, else cpu-torch, and must be measured: a modeled latency is never
    compared with a measured one (its speedup is None).
    """
    out: dict[str, float | None] = {}
    base: dict[tuple[str, int, str], Measurement] = {}
    for name in reversed(BASELINES):
        for m in valid(records):
            if m.backend == name and m.provenance.get("latency") == "measured":
                base[(m.workload, m.batch, m.scenario)] = m
    for m in valid(records):
        ref = base.get((m.workload, m.batch, m.scenario))
        same_kind = m.provenance.get("latency") == "measured"
        if ref is None or not same_kind or m.latency is None or ref.latency is None or m.latency.p50_s <= 0:
            out[m.measurement_id] = None
        else:
            out[m.measurement_id] = ref.latency.p50_s / m.latency.p50_s
    return out


@dataclass(frozen=True)
class Crossover:
    """Between two batch sizes, ``leader`` overtakes ``trailer`` in throughput."""

    workload: str
    leader: str
    trailer: str
    batch_before: int
    batch_after: int


def throughput_series(records: Sequence[Measurement]) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """workload -> backend -> sorted [(batch, items/s)] of valid results."""
    series: dict[str, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for m in valid(records):
        if m.throughput_items_s:
            series[m.workload][m.backend].append((m.batch, m.throughput_items_s))
    return {w: {b: sorted(points) for b, points in backends.items()} for w, backends in series.items()}


def crossovers(records: Sequence[Measurement]) -> list[Crossover]:
    """Batch intervals where one backend's throughput overtakes another's (same workload)."""
    found: list[Crossover] = []
    for workload, backends in throughput_series(records).items():
        names = sorted(backends)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                pa, pb = dict(backends[a]), dict(backends[b])
                common = sorted(set(pa) & set(pb))
                for lo, hi in itertools.pairwise(common):
                    before = pa[lo] - pb[lo]
                    after = pa[hi] - pb[hi]
                    if before < 0 < after:
                        found.append(Crossover(workload, a, b, lo, hi))
                    elif before > 0 > after:
                        found.append(Crossover(workload, b, a, lo, hi))
    return found


def pareto_front(points: Sequence[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Points (x, y, label) not dominated in minimising both x and y, sorted by x."""
    front: list[tuple[float, float, str]] = []
    best_y = float("inf")
    for x, y, label in sorted(points, key=lambda p: (p[0], p[1])):
        if y < best_y:
            front.append((x, y, label))
            best_y = y
    return front
