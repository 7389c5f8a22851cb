"""Pareto fronts per workload: latency vs energy per inference (pure).

A front keeps the points no other point beats on both axes (both minimised). Only ranked records
(:func:`accelbench.report.data.ranked`) are points: a model-only or non-fitting design is never on
a front. Fronts are computed per workload and within one provenance class (a point's class is the
furthest of its two figures' labels), so a modeled design never pushes a measured one off a front.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.report import provenance
from accelbench.report.data import ranked, series_label
from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Point:
    """One design point: ``x`` and ``y`` in the units of the front (both minimised)."""

    x: float
    y: float
    label: str
    provenance: str


def front(points: Sequence[Point]) -> list[Point]:
    """The non-dominated points (minimising x and y), sorted by x; of identical points the first is kept."""
    kept: list[Point] = []
    best_y = float("inf")
    for p in sorted(points, key=lambda p: (p.x, p.y)):
        if p.y < best_y:
            kept.append(p)
            best_y = p.y
    return kept


def fronts_by_class(points: Sequence[Point]) -> dict[str, list[Point]]:
    """provenance class -> its own front (measured points are never dominated by modeled ones)."""
    groups: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        groups[p.provenance].append(p)
    return {kind: front(group) for kind, group in groups.items()}


def latency_energy(records: Sequence[Measurement]) -> dict[str, list[Point]]:
    """workload -> points (x = latency p50 in s, y = energy per inference in J) of ranked records."""
    out: dict[str, list[Point]] = defaultdict(list)
    for m in ranked(records):
        if m.latency is None or not m.energy_j_per_item or m.energy_j_per_item <= 0 or m.latency.p50_s <= 0:
            continue
        kind = provenance.combine((provenance.of(m, "latency"), provenance.of(m, "energy_j_per_item")))
        out[m.workload].append(Point(m.latency.p50_s, m.energy_j_per_item, f"{series_label(m)} b{m.batch}", kind))
    return dict(out)
