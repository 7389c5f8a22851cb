"""Throughput-vs-batch series and their crossovers: where one device overtakes another (pure).

A series is one backend and design point on one workload and scenario: sorted (batch, items/s)
pairs of ranked records (:func:`accelbench.report.data.ranked`; model-only and non-fitting designs
are never part of one). When a run repeated the same point, the best throughput is kept. A series
has one provenance class; a series whose points mix classes is split by class. Crossovers are
found between adjacent batch sizes both series were run at, located by interpolating
log(throughput ratio) over log(batch), and labelled with both classes when they differ
("modeled vs measured"): such a crossover is never presented as a measured one.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.report import provenance
from accelbench.report.data import ranked, series_label
from accelbench.report.units import items_per_s
from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Series:
    """Throughput (items/s) at each batch size of one backend/design on one workload and scenario."""

    workload: str
    scenario: str
    label: str
    points: tuple[tuple[int, float], ...]
    provenance: str


@dataclass(frozen=True)
class Crossover:
    """Between ``batch_before`` and ``batch_after``, ``leader`` overtakes ``trailer`` in throughput.

    ``batch_estimate`` is the interpolated crossing batch size and ``throughput_items_s`` the
    interpolated throughput there; ``classes`` is one provenance class (``measured``) or two
    (``modeled vs measured``: the leader's, then the trailer's).
    """

    workload: str
    leader: str
    trailer: str
    batch_before: int
    batch_after: int
    batch_estimate: float
    throughput_items_s: float
    classes: str

    @property
    def mixed(self) -> bool:
        return " vs " in self.classes

    def describe(self) -> str:
        kind = (f" — {self.classes}: not a like-for-like crossover" if self.mixed else
                "" if self.classes == "measured" else f" — {self.classes} figures")
        return (f"{self.workload}: {self.leader} overtakes {self.trailer} between batch {self.batch_before} and "
                f"{self.batch_after} (about batch {self.batch_estimate:.3g}, "
                f"{items_per_s(self.throughput_items_s)}){kind}")


def throughput_series(records: Sequence[Measurement]) -> list[Series]:
    """One series per (workload, scenario, backend + design, provenance class) of ranked records."""
    best: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)
    for m in ranked(records):
        if not m.throughput_items_s or m.throughput_items_s <= 0:
            continue
        key = (m.workload, m.scenario, series_label(m), provenance.of(m, "throughput_items_s"))
        best[key][m.batch] = max(best[key].get(m.batch, 0.0), m.throughput_items_s)
    return [Series(w, s, label, tuple(sorted(points.items())), kind) for (w, s, label, kind), points in best.items()]


def _crossing(lo: int, hi: int, gap_lo: float, gap_hi: float) -> float:
    """Batch where the log-ratio, linear in log(batch), crosses zero between ``lo`` and ``hi``."""
    fraction = gap_lo / (gap_lo - gap_hi)
    return math.exp(math.log(lo) + fraction * (math.log(hi) - math.log(lo)))


def crossovers(records: Sequence[Measurement]) -> list[Crossover]:
    """Every batch interval where the throughput order of two series of one workload flips."""
    found: list[Crossover] = []
    for a, b in itertools.combinations(throughput_series(records), 2):
        if (a.workload, a.scenario) != (b.workload, b.scenario) or a.label == b.label:
            continue
        pa, pb = dict(a.points), dict(b.points)
        common = sorted(set(pa) & set(pb))
        for lo, hi in itertools.pairwise(common):
            gap_lo, gap_hi = math.log(pa[lo] / pb[lo]), math.log(pa[hi] / pb[hi])
            if gap_lo * gap_hi >= 0:
                continue
            leader, trailer = (a, b) if gap_hi > 0 else (b, a)
            batch = _crossing(lo, hi, gap_lo, gap_hi)
            fraction = (math.log(batch) - math.log(lo)) / (math.log(hi) - math.log(lo))
            throughput = math.exp(math.log(pa[lo]) + fraction * (math.log(pa[hi]) - math.log(pa[lo])))
            classes = (leader.provenance if leader.provenance == trailer.provenance
                       else f"{leader.provenance} vs {trailer.provenance}")
            found.append(Crossover(a.workload, leader.label, trailer.label, lo, hi, batch, throughput, classes))
    return found
