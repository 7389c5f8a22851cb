"""CSV files of a report: summary.csv (the verdicts), results.csv (every record with figures),
invalid.csv (failures). Numbers stay numbers; text cells that start like a spreadsheet formula are
neutralised (:func:`accelbench.report.escape.csv_cell`).

summary.csv: one row per workload and metric — ``workload, metric, winner, value, unit,
provenance, runner_up, ratio_to_runner_up`` (value in the human unit named in ``unit``, e.g. 207 and
``µs``), then ``batch, timing, note``. results.csv keeps SI units (``_s``, ``_items_s``, ``_j``,
``_w`` in the column names) written positionally (0.000157578, never 1.57578e-04).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from accelbench.report import units
from accelbench.report.build import Report
from accelbench.report.data import Row
from accelbench.report.escape import csv_row
from accelbench.report.units import split

SUMMARY_COLUMNS = ("workload", "metric", "winner", "value", "unit", "provenance", "runner_up", "ratio_to_runner_up",
                   "batch", "timing", "note")
RESULT_COLUMNS = ("workload", "backend", "design", "batch", "scenario", "status", "ranked", "latency_p50_s",
                  "latency_p99_s", "throughput_items_s", "energy_j_per_item", "power_w",
                  "power_window_throughput_items_s", "speedup_vs_cpu", "speedup_baseline", "error_rel", "accuracy",
                  "timing_verdict", "timing_reason", "provenance_latency", "provenance_throughput", "provenance_energy",
                  "provenance_power", "provenance_error", "why_not_ranked")


def summary_rows(report: Report) -> list[list[Any]]:
    out: list[list[Any]] = []
    for workload, found in report.verdicts.items():
        for v in found:
            value, unit = split(v.metric.human(v.value)) if v.winner else ("", "")
            ratio = units.plain(v.ratio) if v.ratio is not None else ""
            out.append([workload, v.metric.key, v.winner, value, unit, v.provenance, v.runner_up, ratio, v.batch,
                        v.quality, "; ".join(part for part in (v.inconclusive, *v.notes) if part)])
    return out


def _result(r: Row, is_ranked: bool) -> list[Any]:
    p = r.provenance
    return [r.workload, r.backend, r.design, r.batch, r.scenario, r.status, is_ranked, r.latency_p50_s,
            r.latency_p99_s, r.throughput_items_s, r.energy_j_per_item, r.power_w, r.window_throughput_items_s,
            r.speedup, r.speedup_baseline, r.error_rel, r.accuracy, r.verdict, r.verdict_reason, p["latency"],
            p["throughput_items_s"],
            p["energy_j_per_item"] if r.energy_j_per_item is not None else "",
            p["power_w"] if r.power_w is not None else "", p["error"] if r.error_rel is not None else "", r.reason]


def _positional(value: Any) -> Any:
    """Floats as positional decimal text with all their digits (no exponent); other values unchanged."""
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    return value


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        table = csv.writer(handle)
        table.writerow(header)
        table.writerows(csv_row([_positional(v) for v in r]) for r in rows)


def write(report: Report, out: Path) -> list[Path]:
    summary, results, invalid = out / "summary.csv", out / "results.csv", out / "invalid.csv"
    _write(summary, SUMMARY_COLUMNS, summary_rows(report))
    rows = [_result(r, True) for group in report.ranked.values() for r in group]
    rows += [_result(r, False) for r in (*report.not_ranked, *report.modeled_devices)]
    _write(results, RESULT_COLUMNS, rows)
    _write(invalid, ("workload", "backend", "batch", "status", "reason"),
           [[m.workload, m.backend, m.batch, m.status, m.invalid_reason] for m in report.failures])
    return [summary, results, invalid]
