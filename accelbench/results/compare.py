"""Run-to-run comparison: per (workload, backend, batch, scenario, config) the change in p50,
throughput and energy, with a Mann-Whitney U test on the raw samples (pure, no SciPy).

A change is ``regressed``/``improved`` only when it is statistically significant (p < alpha)
AND larger than a minimum effect; otherwise ``unchanged``. Measurements are compared only when
their workload definitions (params_hash) and schema versions match; a modeled figure is compared
only with a modeled one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from accelbench.errors import UserError
from accelbench.results.record import Measurement

ALPHA = 0.01
MIN_EFFECT = 0.02


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


def _key(m: Measurement) -> str:
    return json.dumps([m.workload, m.backend, m.batch, m.scenario, m.config], sort_keys=True, default=str)


def _ratio(a: float | None, b: float | None) -> float | None:
    return (b - a) / a if a and b is not None else None


def compare_runs(a: Sequence[Measurement], b: Sequence[Measurement], alpha: float = ALPHA,
                 min_effect: float = MIN_EFFECT) -> list[Change]:
    """Changes from run A to run B for every key present and valid in both."""
    first = {_key(m): m for m in a if m.valid and m.latency}
    changes: list[Change] = []
    for m_b in b:
        m_a = first.get(_key(m_b))
        if m_a is None or not m_b.valid or m_b.latency is None or m_a.latency is None:
            continue
        if m_a.params_hash != m_b.params_hash:
            raise UserError(f"cannot compare {m_b.workload}: its definition changed between the runs "
                            f"(params hash {m_a.params_hash} vs {m_b.params_hash})")
        if m_a.schema_version != m_b.schema_version:
            raise UserError(f"cannot compare {m_b.workload}: schema versions {m_a.schema_version} and "
                            f"{m_b.schema_version} differ (run `accelbench migrate`)")
        prov_a, prov_b = m_a.provenance.get("latency", "measured"), m_b.provenance.get("latency", "measured")
        if prov_a != prov_b:
            continue  # a modeled figure is never compared with a measured one
        change = (m_b.latency.p50_s - m_a.latency.p50_s) / m_a.latency.p50_s
        p_value = None
        if m_a.samples_s and m_b.samples_s:
            _, p_value = mann_whitney_u(m_a.samples_s, m_b.samples_s)
            significant = p_value < alpha
        else:  # modeled: no distribution, any change beyond the effect size is real
            significant = True
        verdict = "unchanged"
        if significant and change > min_effect:
            verdict = "regressed"
        elif significant and change < -min_effect:
            verdict = "improved"
        changes.append(Change(
            _key(m_b), m_b.workload, m_b.backend, m_b.batch, m_a.latency.p50_s, m_b.latency.p50_s, change,
            _ratio(m_a.throughput_items_s, m_b.throughput_items_s),
            _ratio(m_a.energy_j_per_item, m_b.energy_j_per_item), p_value, verdict, prov_b,
        ))
    return changes


def parse_fail_on(text: str) -> tuple[str, float]:
    """``p50:5%`` -> ("p50", 0.05)."""
    figure, sep, amount = text.partition(":")
    if figure != "p50" or not sep or not amount.endswith("%"):
        raise UserError(f"--fail-on expects p50:N%, got {text!r}")
    try:
        value = float(amount[:-1]) / 100
    except ValueError:
        raise UserError(f"--fail-on expects p50:N%, got {text!r}") from None
    if value < 0:
        raise UserError(f"--fail-on threshold must be >= 0, got {text!r}")
    return figure, value
