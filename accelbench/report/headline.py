"""The per-workload verdict: fastest (p50 latency), highest throughput, lowest energy per item and,
for server-scenario runs, the highest VALID rate (pure).

Each verdict names the winner, its value in human units, the ratio to the runner-up (the best
other backend/design) and provenance marks. The rule, written once here:

* only ranked records (:func:`accelbench.report.data.ranked`) compete;
* competitors are of one provenance class: measured when any is measured, else the class closest
  to a measurement (the verdict then says so). A faster figure of another class, or of a model-only
  or non-fitting design, is named in the verdict's notes — "fpga-hls4ml 1.3 µsᵐ is modeled and does
  not fit — not ranked" — and never wins;
* latency is compared at one batch size (the smallest the workload was run at) and one scenario
  (single-stream when there is one); throughput and energy per item over every batch;
* a lead whose timings are noisy or contended is called inconclusive (rank.inconclusive_reason).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from accelbench.report import provenance
from accelbench.report.data import (
    by_workload,
    fit_caveat,
    hypothetical,
    modeled_devices,
    not_ranked,
    over_capacity,
    ranked,
    series_label,
)
from accelbench.report.server import max_valid_qps
from accelbench.report.units import items_per_s, joules, rate, ratio, seconds
from accelbench.results.rank import inconclusive_reason
from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Metric:
    """A figure a workload's verdict ranks: how to read it, whether lower wins, how to print it."""

    key: str
    title: str
    figure: str
    value: Callable[[Measurement], float | None]
    lower_is_better: bool
    human: Callable[[float | None], str]
    si_unit: str
    #: Left out of a workload's verdict when no record of it has the figure (e.g. server runs only).
    optional: bool = False


def _p50(m: Measurement) -> float | None:
    # A server run's latency and rate depend on the load it was offered: it is judged by its
    # highest VALID rate only, never ranked on p50 or throughput against other runs.
    if m.scenario == "server":
        return None
    return m.latency.p50_s if m.latency is not None and m.latency.p50_s > 0 else None


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None


def _throughput(m: Measurement) -> float | None:
    return None if m.scenario == "server" else _positive(m.throughput_items_s)


METRICS: tuple[Metric, ...] = (
    Metric("latency_p50", "fastest", "latency", _p50, True, seconds, "s"),
    Metric("throughput", "highest throughput", "throughput_items_s", _throughput,
           False, items_per_s, "items/s"),
    Metric("energy_per_item", "lowest energy per item", "energy_j_per_item",
           lambda m: _positive(m.energy_j_per_item), True, joules, "J"),
    Metric("max_valid_qps", "highest VALID server rate", "latency", max_valid_qps, False,
           lambda v: rate(v, "queries/s"), "queries/s", optional=True),
)


@dataclass(frozen=True)
class Verdict:
    """One metric's verdict on one workload. ``winner`` is '' when no ranked record has the figure."""

    workload: str
    metric: Metric
    winner: str = ""
    value: float | None = None
    provenance: str = ""
    runner_up: str = ""
    runner_up_value: float | None = None
    batch: int | None = None
    quality: str = ""
    inconclusive: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float | None:
        """How far ahead the winner is: runner-up / winner (lower is better) or winner / runner-up."""
        if self.value is None or self.runner_up_value is None or self.value <= 0 or self.runner_up_value <= 0:
            return None
        return (self.runner_up_value / self.value if self.metric.lower_is_better
                else self.value / self.runner_up_value)

    def text(self) -> str:
        """One line: 'fastest: cpu-numpy 207 µs, 1.5x ahead of cpu-torch; fpga-hls4ml 1.3 µsᵐ is ...'."""
        title = self.metric.title
        if not self.winner:
            head = f"{title}: no ranked result"
        else:
            kind = "" if self.provenance == "measured" else f" ({self.provenance}; no measured result)"
            where = f" at batch {self.batch}" if self.batch not in (None, 1) else ""
            head = (f"{title}{kind}: {self.winner} {self.metric.human(self.value)}{provenance.mark(self.provenance)}"
                    f"{where}")
            if self.quality and self.quality != "ok":
                head += f" (timing {self.quality})"
            if self.runner_up and self.ratio is not None:
                head += f", {ratio(self.ratio)} ahead of {self.runner_up}"
                if self.inconclusive:
                    head += f" ({self.inconclusive})"
            elif not self.runner_up:
                head += f", the only {self.provenance} result"
        return "; ".join((head, *self.notes))


def _best_per_label(cands: Sequence[tuple[Measurement, float]], lower: bool) -> list[tuple[Measurement, float]]:
    """The best record of each backend/design, best first."""
    best: dict[str, tuple[Measurement, float]] = {}
    for m, value in cands:
        label = series_label(m)
        if label not in best or (value < best[label][1] if lower else value > best[label][1]):
            best[label] = (m, value)
    return sorted(best.values(), key=lambda pair: pair[1] if lower else -pair[1])


def _beats(value: float, target: float | None, lower: bool) -> bool:
    return target is None or (value < target if lower else value > target)


def _why_not(m: Measurement, kind: str) -> str:
    if hypothetical(m):
        return f"is {kind} (hardware you don't have)"
    if m.status == "does-not-fit":
        over = ", ".join(f"{name} {pct:.0f} %" for name, pct in over_capacity(m).items())
        return f"is {kind} and does not fit" + (f" ({over})" if over else "")
    if m.status == "model-only":
        return f"is {kind} (model-only design: nothing ran)"
    return f"is {kind}"


def verdict(workload: str, records: Sequence[Measurement], metric: Metric) -> Verdict:
    """The verdict of ``metric`` over ``records`` of one workload."""
    lower = metric.lower_is_better
    scored = [(m, v) for m in ranked(records) if (v := metric.value(m)) is not None]
    batch: int | None = None
    scenario: str | None = None
    if metric.key == "latency_p50" and scored:
        scenarios = {m.scenario for m, _ in scored}
        scenario = "single-stream" if "single-stream" in scenarios else sorted(scenarios)[0]
        batch = min(m.batch for m, _ in scored if m.scenario == scenario)
        scored = [(m, v) for m, v in scored if m.batch == batch and m.scenario == scenario]
    classes = {provenance.of(m, metric.figure) for m, _ in scored}
    primary = "measured" if "measured" in classes else min(classes, key=provenance.ORDER.index, default="")
    field_ = [pair for pair in scored if provenance.of(pair[0], metric.figure) == primary]
    ordered = _best_per_label(field_, lower)
    notes: list[str] = []
    winner_value = ordered[0][1] if ordered else None
    for kind in sorted(classes - {primary}, key=provenance.ORDER.index):
        others = _best_per_label([p for p in scored if provenance.of(p[0], metric.figure) == kind], lower)
        if others and _beats(others[0][1], winner_value, lower):
            m, value = others[0]
            notes.append(f"{series_label(m)} {metric.human(value)}{provenance.mark(kind)} is {kind} — "
                         f"not ranked against {primary}")
    unranked = [(m, v) for m in [*not_ranked(records), *modeled_devices(records)]
                if (v := metric.value(m)) is not None and (batch is None or m.batch == batch)
                and (scenario is None or m.scenario == scenario)]
    for m, value in _best_per_label(unranked, lower)[:3]:
        if _beats(value, winner_value, lower):
            kind = provenance.of(m, metric.figure)
            notes.append(f"{series_label(m)} {metric.human(value)}{provenance.mark(kind)} {_why_not(m, kind)} — "
                         "not ranked")
    if not ordered:
        return Verdict(workload, metric, notes=tuple(notes))
    winner, value = ordered[0]
    caveat = fit_caveat(winner)
    if caveat:
        notes.insert(0, f"{series_label(winner)} {caveat}")
    out = Verdict(workload, metric, series_label(winner), value, primary, batch=batch,
                  quality=winner.quality.verdict if winner.quality else "", notes=tuple(notes))
    if len(ordered) > 1:
        runner, runner_value = ordered[1]
        why = inconclusive_reason(runner, winner, metric.figure).split(" (")[0]
        why = why.replace("baseline", "runner-up").replace("candidate", "winner")
        out = Verdict(workload, metric, out.winner, value, primary, series_label(runner), runner_value, batch,
                      out.quality, why, tuple(notes))
    return out


def verdicts(records: Sequence[Measurement]) -> dict[str, list[Verdict]]:
    """workload -> one verdict per metric (in :data:`METRICS` order), workloads in first-seen order."""
    return {workload: [verdict(workload, group, metric) for metric in METRICS
                       if not metric.optional or any(metric.value(m) is not None for m in group)]
            for workload, group in by_workload(records).items()
            if any(m.latency is not None for m in group)}


def short(v: Verdict) -> str:
    """A table cell: 'cpu-numpy 207 µs (1.5x)', or '-' when nothing was ranked."""
    if not v.winner:
        return "-"
    lead = f" ({ratio(v.ratio)})" if v.ratio is not None else ""
    caveat = " inconclusive" if v.inconclusive else ""
    return f"{v.winner} {v.metric.human(v.value)}{provenance.mark(v.provenance)}{lead}{caveat}"


def glance(found: dict[str, list[Verdict]]) -> tuple[list[str], list[list[str]]]:
    """The 'at a glance' table: metric titles present in any workload, then one row per workload."""
    keys = [m for m in METRICS if any(v.metric.key == m.key for vs in found.values() for v in vs)]
    rows = []
    for workload, vs in found.items():
        by_key = {v.metric.key: v for v in vs}
        rows.append([workload, *[short(by_key[m.key]) if m.key in by_key else "-" for m in keys]])
    return [m.title for m in keys], rows
