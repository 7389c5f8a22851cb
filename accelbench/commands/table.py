"""Rich tables of measurements for people (stdout); JSON goes elsewhere.

Records with figures and failed ones are rows; skipped ones (unavailable backend, unsupported
workload) are folded into one line per (backend, reason) under the table. Figures are in human
units with provenance marks (a figure stored without a label is marked ‽ unknown, never taken as
measured). A row that may not be ranked (:func:`accelbench.results.rank.rankable`) says why in its
status; ``timing`` is the record's timing-quality verdict (ok / noisy / contended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from accelbench.commands.format import items_per_s, joules, mark, rate, seconds, small, watts
from accelbench.report.data import over_capacity
from accelbench.results.rank import provenance_class, rankable, why_unranked
from accelbench.results.record import Measurement

SKIPPED = ("unavailable", "unsupported")
COLUMNS = ("workload", "backend", "batch", "status", "p50", "p99", "throughput", "FLOP/s", "energy/item", "power",
           "rel err", "accuracy", "timing")
LEFT = ("workload", "backend", "status", "accuracy", "timing")


def status_text(m: Measurement) -> str:
    """``ok``, or the status with why the record is not ranked (no repeated status word)."""
    if rankable(m):
        return m.status
    why = why_unranked(m)
    text = why if why.startswith(m.status) or m.status == "does-not-fit" else f"{m.status}: {why}"
    over = ", ".join(f"{name} {pct:.0f} %" for name, pct in over_capacity(m).items())
    return f"{text}; over 100 %: {over}" if over and over.split(" ")[0] not in text else text


def timing_text(m: Measurement) -> str:
    """The timing-quality verdict ('-' for records that were not timed)."""
    if m.quality is None:
        return "-"
    return f"{m.quality.verdict}: {m.quality.reason}" if m.quality.verdict != "ok" and m.quality.reason else \
        m.quality.verdict


def cells(m: Measurement) -> list[str]:
    """One row's cells (plain text, human units, provenance marks)."""
    def marked(text: str, figure: str) -> str:
        return text + mark(provenance_class(m, figure))

    accuracy = m.accuracy or {}
    return [
        m.workload, m.backend, str(m.batch), status_text(m),
        marked(seconds(m.latency.p50_s), "latency") if m.latency else "-",
        marked(seconds(m.latency.p99_s), "latency") if m.latency else "-",
        marked(items_per_s(m.throughput_items_s), "throughput_items_s") if m.throughput_items_s else "-",
        marked(rate(m.achieved_flops_s, "FLOP/s"), "achieved_flops_s") if m.achieved_flops_s else "-",
        marked(joules(m.energy_j_per_item), "energy_j_per_item") if m.energy_j_per_item is not None else "-",
        marked(watts(m.power_w), "power_w") if m.power_w is not None else "-",
        marked(small(m.error.rel), "error") if m.error else "-",
        marked(f"{accuracy.get('metric', '')} {small(accuracy['value'])}".strip(), "accuracy")
        if accuracy.get("value") is not None else "-",
        timing_text(m),
    ]


def measurements_table(records: Sequence[Measurement], title: str = "") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title) if title else None, title_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in LEFT else "right")
    skipped: dict[tuple[str, str], list[str]] = defaultdict(list)
    marks = False
    for m in records:
        if m.status in SKIPPED:
            skipped[(m.backend, f"{m.status}: {m.invalid_reason}")].append(m.workload)
            continue
        row = cells(m)
        marks = marks or any(ch in "".join(row[4:]) for ch in "ˢʳᵐ‽")
        table.add_row(*(escape(cell) for cell in row))
    console = Console(width=200)
    console.print(table)
    if marks:
        console.print("unmarked: measured  ˢ simulated  ʳ reported by a vendor tool  ᵐ modeled  ‽ unknown "
                      "(stored without a label); only status ok is ever ranked", highlight=False)
    for (backend, reason), workloads in skipped.items():
        console.print(f"skipped {escape(backend)} ({len(workloads)}x): {escape(reason)}", highlight=False)
