"""Rich tables of measurements for people (stdout); JSON goes elsewhere.

Measured and failed results are rows; skipped ones (unavailable backend, unsupported workload)
are folded into one line per (backend, reason) under the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from accelbench.commands.format import mark, rate, seconds
from accelbench.results.record import Measurement

SKIPPED = ("unavailable", "unsupported")


def measurements_table(records: Sequence[Measurement], title: str = "") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title or None, title_justify="left")
    for column in ("workload", "backend", "batch", "status", "p50", "p99", "throughput", "FLOP/s", "rel err", "power"):
        table.add_column(column, justify="left" if column in ("workload", "backend", "status") else "right")
    notes = False
    skipped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in records:
        if m.status in SKIPPED:
            skipped[(m.backend, f"{m.status}: {m.invalid_reason}")].append(m.workload)
            continue
        lat_mark = mark(m.provenance.get("latency"))
        err_mark = mark(m.provenance.get("error"))
        pow_mark = mark(m.provenance.get("power_w"))
        notes = notes or bool(lat_mark or err_mark or pow_mark)
        status = m.status if m.valid else f"{m.status}: {m.invalid_reason}"
        if m.fpga and m.fpga.get("model_only"):
            status += " (model-only)"
        if m.fpga and m.fpga.get("fits") is False:
            status += f" ({m.fpga.get('fit_reason', 'does not fit')})"
        table.add_row(
            escape(m.workload),
            m.backend,
            str(m.batch),
            escape(status),
            seconds(m.latency.p50_s) + lat_mark if m.latency else "-",
            seconds(m.latency.p99_s) + lat_mark if m.latency else "-",
            rate(m.throughput_items_s, "items/s") + lat_mark if m.throughput_items_s else "-",
            rate(m.achieved_flops_s, "FLOP/s") + lat_mark if m.achieved_flops_s else "-",
            f"{m.error.rel:.2g}{err_mark}" if m.error else "-",
            f"{m.power_w:.3g} W{pow_mark}" if m.power_w is not None else "-",
        )
    console = Console(width=200)
    console.print(table)
    if notes:
        console.print("ˢ simulated  ʳ reported by a vendor tool  ᵐ modeled (not measured)")
    for (backend, reason), workloads in skipped.items():
        console.print(f"skipped {backend} ({len(workloads)}x): {escape(reason)}", highlight=False)
