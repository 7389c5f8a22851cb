"""Table columns of a report: each a header and a function from a :class:`~accelbench.report.data.Row`
to its cell text in human units with provenance marks (pure; writers escape the text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accelbench.report import units
from accelbench.report.data import Row
from accelbench.report.provenance import mark

#: Energy per item is flagged when the power window ran at a throughput this far from the timed one.
WINDOW_MISMATCH = 1.25


@dataclass(frozen=True)
class Column:
    """A header, the cell text of a row, whether it is right-aligned, and an optional hover hint (HTML)."""

    header: str
    cell: Callable[[Row], str]
    numeric: bool = True
    hint: Callable[[Row], str] | None = None


#: Said once under the legend instead of in every cell.
ENERGY_NOTE = ("energy/item comes from a sustained power window; when that window ran at another throughput than "
               "the timed samples, its own throughput is shown beside it (power window: … items/s).")


def _figure(value: float | None, text: str, kind: str) -> str:
    return "-" if value is None else text + mark(kind)


def _range(r: Row, name: str, fmt: Callable[[float | None], str]) -> str:
    bounds = r.ranges.get(name)
    return f" [{fmt(bounds[0])}–{fmt(bounds[1])}]" if bounds and len(bounds) == 2 else ""


def latency_p50(r: Row) -> str:
    return _figure(r.latency_p50_s, units.seconds(r.latency_p50_s), r.provenance["latency"]) + _range(
        r, "latency", units.seconds)


def latency_p99(r: Row) -> str:
    return _figure(r.latency_p99_s, units.seconds(r.latency_p99_s), r.provenance["latency"])


def throughput(r: Row) -> str:
    return _figure(r.throughput_items_s, units.items_per_s(r.throughput_items_s), r.provenance["throughput_items_s"])


def energy(r: Row) -> str:
    """Energy per item; when the power window ran at another throughput than the timed one, that one too."""
    text = _figure(r.energy_j_per_item, units.joules(r.energy_j_per_item), r.provenance["energy_j_per_item"])
    window, timed = r.window_throughput_items_s, r.throughput_items_s
    if r.energy_j_per_item is not None and window and timed and max(window / timed, timed / window) > WINDOW_MISMATCH:
        text += f" (power window: {units.items_per_s(window)})"
    return text


def power(r: Row) -> str:
    return _figure(r.power_w, units.watts(r.power_w), r.provenance["power_w"])


def speedup(r: Row) -> str:
    return f"{units.ratio(r.speedup)} vs {r.speedup_baseline}" if r.speedup is not None else "-"


def error(r: Row) -> str:
    return _figure(r.error_rel, units.small(r.error_rel), r.provenance["error"])


def accuracy(r: Row) -> str:
    return r.accuracy + mark(r.provenance["accuracy"]) if r.accuracy else "-"


def brief(reason: str, limit: int = 60) -> str:
    """The first clause of a reason, at most ``limit`` characters (the full text is in the record)."""
    first = reason.split(";")[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def timing(r: Row) -> str:
    """The timing-quality verdict ('ok', 'noisy', 'contended'), or '-' / 'not timed' without one."""
    if not r.verdict:
        return "-" if r.provenance["latency"] == "measured" else "not timed"
    return r.verdict


def timing_reason(r: Row) -> str:
    """Why the verdict is not ok (first clause), for a hover hint."""
    return brief(r.verdict_reason, 120) if r.verdict not in ("", "ok") else ""


def design(r: Row) -> str:
    return f"{r.label} ({brief(r.caveat)})" if r.caveat else r.label


def reason(r: Row) -> str:
    over = ", ".join(f"{name} {pct:.0f} %" for name, pct in r.over.items())
    if over and over.split(" ")[0] not in r.reason:
        return f"{r.reason}; over 100 %: {over}"
    return r.reason


RANKED = (
    Column("backend", design, False), Column("batch", lambda r: str(r.batch)), Column("p50", latency_p50),
    Column("p99", latency_p99), Column("throughput", throughput), Column("energy/item", energy),
    Column("power", power), Column("speed-up", speedup), Column("rel. error", error),
    Column("accuracy", accuracy), Column("timing", timing, False, timing_reason),
)
NOT_RANKED = (
    Column("workload", lambda r: r.workload, False), Column("backend", design, False),
    Column("batch", lambda r: str(r.batch)), Column("status", lambda r: r.status, False),
    Column("p50", latency_p50), Column("throughput", throughput), Column("energy/item", energy),
    Column("power", power), Column("rel. error", error), Column("why not ranked", reason, False),
)
