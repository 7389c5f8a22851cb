"""Run-to-run comparison: per (workload, backend, batch, scenario, config) the change in p50,
throughput and energy, judged against the noise of each run.

The samples of one run are not independent draws of "the code's speed": a whole run shifts with
the clock frequency, thread placement, memory layout or a neighbour. A rank test (Mann-Whitney U)
on the pooled samples calls any such shift significant — an unchanged rerun read "improved
-46.6 % p=2e-13". The rule here is asv's: a change is ``regressed``/``improved`` only when

* the two runs' 95 % confidence intervals of the median do not overlap — each interval widened by
  the run's between-process spread when it was measured in several processes
  (``quality.between_process_rel``, see ``--processes``), and
* the change is larger than a minimum effect (default 5 %, what reruns of unchanged code move by
  on a quiet machine);

otherwise ``no significant change``. A pair is ``inconclusive`` when
:func:`accelbench.results.rank.inconclusive_reason` says so (different provenance, or a timing
whose quality verdict is not ``ok``), and ``not comparable`` when either record is not rankable.
The Mann-Whitney p-value is still reported, for information only.

Measurements are compared only when their workload definitions (params_hash) and schema
versions match.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.errors import UserError
from accelbench.results.rank import class_label, inconclusive_reason, rankable
from accelbench.results.record import Measurement
from accelbench.results.stats import median_ci

ALPHA = 0.01
MIN_EFFECT = 0.05
#: Verdicts of a :class:`Change`.
VERDICTS = ("regressed", "improved", "no significant change", "inconclusive", "not comparable")


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """U statistic of ``a`` and a two-sided p-value (normal approximation with tie correction)."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[k] = rank
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    r1 = sum(rank for rank, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - mean) - 0.5) / math.sqrt(var)  # continuity correction
    p = math.erfc(max(z, 0.0) / math.sqrt(2))
    return u1, min(1.0, p)


def median_interval(m: Measurement) -> tuple[float, float] | None:
    """The 95 % interval of ``m``'s median latency (seconds), widened by its between-process spread.

    None for a record without samples (a model has no distribution).
    """
    if not m.samples_s or m.latency is None:
        return None
    lo, hi = median_ci(m.samples_s)
    spread = m.quality.between_process_rel if m.quality is not None else None
    if spread:
        p50 = m.latency.p50_s
        lo, hi = min(lo, p50 * (1 - spread)), max(hi, p50 * (1 + spread))
    return lo, hi


@dataclass(frozen=True)
class Change:
    key: str
    workload: str
    backend: str
    batch: int
    p50_a_s: float
    p50_b_s: float
    p50_change: float
    throughput_change: float | None
    energy_change: float | None
    p_value: float | None
    verdict: str
    provenance: str
    reason: str = ""
    interval_a_s: tuple[float, float] | None = None
    interval_b_s: tuple[float, float] | None = None


def _key(m: Measurement) -> str:
    return json.dumps([m.workload, m.backend, m.batch, m.scenario, m.config], sort_keys=True, default=str)


def _ratio(a: float | None, b: float | None) -> float | None:
    return (b - a) / a if a and b is not None else None


def judge_change(m_a: Measurement, m_b: Measurement, min_effect: float = MIN_EFFECT) -> tuple[str, str]:
    """(verdict, reason) for the change of p50 from ``m_a`` to ``m_b`` (both rankable, same class)."""
    assert m_a.latency is not None and m_b.latency is not None
    change = (m_b.latency.p50_s - m_a.latency.p50_s) / m_a.latency.p50_s
    ia, ib = median_interval(m_a), median_interval(m_b)
    if ia is not None and ib is not None:
        apart = ia[1] < ib[0] or ib[1] < ia[0]
        if not apart:
            return "no significant change", "the runs' 95 % intervals of the median overlap"
    if abs(change) <= min_effect:
        return "no significant change", f"change within the minimum effect ({min_effect:.0%})"
    return ("regressed" if change > 0 else "improved"), ""


def compare_runs(a: Sequence[Measurement], b: Sequence[Measurement], alpha: float = ALPHA,
                 min_effect: float = MIN_EFFECT) -> list[Change]:
    """Changes from run A to run B for every key present in both (``alpha`` is kept for callers:
    the p-value is informational and no longer decides the verdict)."""
    first = {_key(m): m for m in a}
    changes: list[Change] = []
    for m_b in b:
        m_a = first.get(_key(m_b))
        if m_a is None:
            continue
        if m_a.params_hash != m_b.params_hash:
            raise UserError(f"cannot compare {m_b.workload}: its definition changed between the runs "
                            f"(params hash {m_a.params_hash} vs {m_b.params_hash})")
        if m_a.schema_version != m_b.schema_version:
            raise UserError(f"cannot compare {m_b.workload}: schema versions {m_a.schema_version} and "
                            f"{m_b.schema_version} differ (run `accelbench migrate`)")
        label = class_label(m_a, m_b)
        reason = inconclusive_reason(m_a, m_b)
        if not (rankable(m_a) and rankable(m_b)) or m_a.latency is None or m_b.latency is None:
            p50_a = m_a.latency.p50_s if m_a.latency else math.nan
            p50_b = m_b.latency.p50_s if m_b.latency else math.nan
            changes.append(Change(_key(m_b), m_b.workload, m_b.backend, m_b.batch, p50_a, p50_b, math.nan,
                                  None, None, None, "not comparable", label, reason))
            continue
        change = (m_b.latency.p50_s - m_a.latency.p50_s) / m_a.latency.p50_s
        p_value = mann_whitney_u(m_a.samples_s, m_b.samples_s)[1] if m_a.samples_s and m_b.samples_s else None
        if reason:
            verdict = "inconclusive"
        else:
            verdict, reason = judge_change(m_a, m_b, min_effect)
        changes.append(Change(
            _key(m_b), m_b.workload, m_b.backend, m_b.batch, m_a.latency.p50_s, m_b.latency.p50_s, change,
            _ratio(m_a.throughput_items_s, m_b.throughput_items_s),
            _ratio(m_a.energy_j_per_item, m_b.energy_j_per_item), p_value, verdict, label, reason,
            median_interval(m_a), median_interval(m_b),
        ))
    return changes


def parse_fail_on(text: str) -> tuple[str, float]:
    """``p50:5%`` -> ("p50", 0.05); the threshold must be a finite number >= 0."""
    figure, sep, amount = text.partition(":")
    if figure != "p50" or not sep or not amount.endswith("%"):
        raise UserError(f"--fail-on expects p50:N%, got {text!r}")
    try:
        value = float(amount[:-1]) / 100
    except ValueError:
        raise UserError(f"--fail-on expects p50:N%, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise UserError(f"--fail-on threshold must be a finite number >= 0, got {text!r}")
    return figure, value
