"""Which records go where in a report, design labels, and one table row per record (pure, no I/O).

A report has four groups of records per workload:

* **ranked** — :func:`accelbench.results.rank.rankable` records: the only ones that can win, be
  on a front or a crossover, or be a speed-up baseline;
* **not ranked** — ``model-only`` and ``does-not-fit`` records: their figures, with provenance
  and the reason (resources over 100 % named), in their own section;
* **hardware you don't have** — records of modeled devices (the ``gpu-model`` backend), apart;
* **failed / skipped** — ``invalid`` / ``error`` with the reason, ``unavailable`` / ``unsupported``
  folded by reason.

Figures keep their units here: seconds, items/s, joules per item, watts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from accelbench.report import provenance
from accelbench.results.rank import rankable, why_unranked
from accelbench.results.record import UNRANKED_WITH_FIGURES, Measurement

#: Backends that describe hardware the user does not have (every figure modeled).
HYPOTHETICAL_BACKENDS = frozenset(("gpu-model",))
#: Configuration keys that only describe an FPGA design (shown through the ``fpga`` figures instead).
#: Configuration keys that describe how a run was driven (scenario settings, accuracy floor), not a
#: design point: shown with the scenario and accuracy figures, never in a design label.
RUN_KEYS = frozenset(("server", "min_accuracy"))
FPGA_KEYS = frozenset(("fpga_part", "fpga_board", "clock_ns", "reuse_factor", "strategy", "precision", "io_type",
                       "model_only_max_mults", "build_timeout_s", "build_memory_gb", "fpga_rtol", "fpga_synth",
                       "fpga_cosim"))
_DEFAULT_MODES = ",AP_RND_CONV,AP_SAT"
_FIXED = re.compile(r"^(ap_u?fixed)<\s*(\d+)\s*,\s*(-?\d+)\s*(.*)>$")
_OVER = re.compile(r"\b([A-Z][A-Z0-9]*)\s+(\d+(?:\.\d+)?)\s*%")


def hypothetical(m: Measurement) -> bool:
    """True for records of a modeled device the user does not have (e.g. ``gpu-model``)."""
    return m.backend in HYPOTHETICAL_BACKENDS


def ranked(records: Sequence[Measurement]) -> list[Measurement]:
    """Records that may be ranked (the one rule: :func:`~accelbench.results.rank.rankable`)."""
    return [m for m in records if rankable(m) and not hypothetical(m)]


def not_ranked(records: Sequence[Measurement]) -> list[Measurement]:
    """``model-only`` and ``does-not-fit`` records of devices the user has: figures kept, never ranked."""
    return [m for m in records if m.status in UNRANKED_WITH_FIGURES and not hypothetical(m)]


def modeled_devices(records: Sequence[Measurement]) -> list[Measurement]:
    """Records of hardware the user does not have (modeled), whatever their status but failures."""
    return [m for m in records if hypothetical(m) and (rankable(m) or m.status in UNRANKED_WITH_FIGURES)]


def failed(records: Sequence[Measurement]) -> list[Measurement]:
    """Results that failed (wrong output or an error): listed with their reasons, never ranked."""
    return [m for m in records if m.status in ("invalid", "error")]


def skipped(records: Sequence[Measurement]) -> list[Measurement]:
    """Backends that could not run a workload here (unavailable or unsupported), with the reason."""
    return [m for m in records if m.status in ("unavailable", "unsupported")]


def short_precision(text: str) -> str:
    """``ap_fixed<16,6,AP_RND_CONV,AP_SAT>`` -> ``ap_fixed<16,6>`` (the default modes dropped)."""
    match = _FIXED.match(text.replace(" ", ""))
    if match is None:
        return text
    kind, width, integer, modes = match.groups()
    return f"{kind}<{width},{integer}{'' if modes in ('', _DEFAULT_MODES) else modes}>"


def design_label(m: Measurement) -> str:
    """What distinguishes this design point from others of the same backend ('' when nothing does).

    FPGA designs: reuse factor, precision, and strategy / io_type when not the defaults; modeled
    devices: the device name; other backends: their non-FPGA configuration entries.
    """
    if m.fpga:
        parts = []
        if m.fpga.get("reuse_factor") is not None:
            parts.append(f"RF {m.fpga['reuse_factor']}")
        if m.fpga.get("precision"):
            parts.append(short_precision(str(m.fpga["precision"])))
        if m.fpga.get("strategy") not in (None, "latency", "Latency"):
            parts.append(str(m.fpga["strategy"]))
        if m.fpga.get("io_type") not in (None, "io_parallel"):
            parts.append(str(m.fpga["io_type"]))
        return " ".join(parts)
    if hypothetical(m) and m.device.get("device"):
        return str(m.device["device"])
    return " ".join(f"{k}={v}" for k, v in sorted(m.config.items()) if k not in FPGA_KEYS | RUN_KEYS)


def series_label(m: Measurement) -> str:
    """Backend plus design label: one line in a plot, one device configuration."""
    design = design_label(m)
    return f"{m.backend} {design}" if design else m.backend


def by_workload(records: Sequence[Measurement]) -> dict[str, list[Measurement]]:
    """Records grouped by workload name, in first-seen order."""
    groups: dict[str, list[Measurement]] = defaultdict(list)
    for m in records:
        groups[m.workload].append(m)
    return dict(groups)


def over_capacity(m: Measurement) -> dict[str, float]:
    """Resources a design uses beyond its part, in % of the part (``{"DSP": 533.0}``); {} if none."""
    used = (m.fpga or {}).get("utilisation")
    if isinstance(used, dict):
        over = {str(k).upper(): float(v) for k, v in used.items() if isinstance(v, int | float) and v > 100}
        if over:
            return over
    if m.status == "does-not-fit":
        return {name: float(pct) for name, pct in _OVER.findall(m.invalid_reason) if float(pct) > 100}
    return {}


def window_throughput(m: Measurement) -> float | None:
    """Items/s run in the power window (the throughput energy per item was measured at), if stored."""
    value = (m.power or {}).get("window_throughput_items_s")
    if isinstance(value, int | float) and value > 0:
        return float(value)
    power = m.power or {}
    items, window = power.get("items"), power.get("window_s")
    if isinstance(items, int | float) and isinstance(window, int | float) and window > 0 and items > 0:
        return float(items) / float(window)
    return None


@dataclass(frozen=True)
class Row:
    """One record with figures, as a table row. Seconds, items/s, J per item, W; None where not stored.

    ``provenance`` maps each figure (``latency``, ``throughput_items_s``, ``energy_j_per_item``,
    ``power_w``, ``error``, ``accuracy``) to its label (``unknown`` when the record has none).
    ``reason`` is why the record is not ranked ('' when it is); ``over`` the resources beyond the
    part (% of it); ``verdict`` the timing-quality verdict ('' when the record was not timed).
    """

    workload: str
    backend: str
    design: str
    batch: int
    scenario: str
    status: str
    latency_p50_s: float | None
    latency_p99_s: float | None
    throughput_items_s: float | None
    energy_j_per_item: float | None
    power_w: float | None
    window_throughput_items_s: float | None
    speedup: float | None
    speedup_baseline: str
    error_rel: float | None
    accuracy: str
    verdict: str
    verdict_reason: str
    provenance: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    over: dict[str, float] = field(default_factory=dict)
    ranges: dict[str, list[float]] = field(default_factory=dict)
    #: Said beside a ranked record that may not hold (a design whose fit is ``maybe``); '' otherwise.
    caveat: str = ""

    @property
    def label(self) -> str:
        return f"{self.backend} {self.design}" if self.design else self.backend


FIGURES = ("latency", "throughput_items_s", "energy_j_per_item", "power_w", "error", "accuracy")


def accuracy_text(accuracy: dict[str, Any] | None) -> str:
    """``top1 0.91 (n=1000)``; '' when the record has no accuracy."""
    if not accuracy or accuracy.get("value") is None:
        return ""
    n = accuracy.get("n")
    value = accuracy["value"]
    number = f"{value:.4g}" if isinstance(value, int | float) else str(value)
    return f"{accuracy.get('metric', 'accuracy')} {number}" + (f" (n={n})" if n else "")


def row(m: Measurement, speedup: float | None = None, baseline: str = "") -> Row:
    """The table row of one record (any status that has figures)."""
    quality = m.quality
    return Row(
        workload=m.workload, backend=m.backend, design=design_label(m), batch=m.batch, scenario=m.scenario,
        status=m.status,
        latency_p50_s=m.latency.p50_s if m.latency else None,
        latency_p99_s=m.latency.p99_s if m.latency else None,
        throughput_items_s=m.throughput_items_s, energy_j_per_item=m.energy_j_per_item, power_w=m.power_w,
        window_throughput_items_s=window_throughput(m) if m.energy_j_per_item else None,
        speedup=speedup, speedup_baseline=baseline,
        error_rel=m.error.rel if m.error else None, accuracy=accuracy_text(m.accuracy),
        verdict=quality.verdict if quality else "", verdict_reason=quality.reason if quality else "",
        provenance={name: provenance.of(m, name) for name in FIGURES},
        reason=why_unranked(m) if not rankable(m) else "", over=over_capacity(m), ranges=dict(m.ranges),
        caveat=fit_caveat(m),
    )


def fit_caveat(m: Measurement) -> str:
    """'may not fit: ...' for a design whose modeled resources' range crosses its part's capacity
    (``fpga.fits == "maybe"``): ranked on its point values, but the user must see the doubt."""
    fpga = m.fpga or {}
    if fpga.get("fits") != "maybe":
        return ""
    reason = str(fpga.get("fit_reason") or "a modeled range exceeds the part")
    return reason if reason.startswith("may not fit") else f"may not fit: {reason}"


def rows_by_workload(rows: Sequence[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r.workload].append(r)
    return dict(groups)
