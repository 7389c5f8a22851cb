"""Assemble a :class:`Report` from stored records: verdicts, tables, sections, crossovers, plots (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accelbench.report import provenance
from accelbench.report.crossover import Crossover, crossovers
from accelbench.report.data import (
    Row,
    failed,
    modeled_devices,
    not_ranked,
    ranked,
    row,
    rows_by_workload,
    skipped,
)
from accelbench.report.environment import environment_items
from accelbench.report.headline import Verdict, verdicts
from accelbench.report.plots.common import PlotInput, PlotResult, render
from accelbench.report.roofs import NO_CPU_PEAK, CpuPeakConfig
from accelbench.report.speedup import speedups
from accelbench.results.record import Measurement


@dataclass(frozen=True)
class Report:
    """Everything a writer prints. Figures stay in SI units (rows); writers format them."""

    run_id: str
    verdicts: dict[str, list[Verdict]]
    ranked: dict[str, list[Row]]
    not_ranked: list[Row]
    modeled_devices: list[Row]
    failures: list[Measurement]
    skips: list[tuple[str, str, int]]
    crossovers: list[Crossover]
    plots: list[PlotResult]
    environment: list[tuple[str, str]]
    counts: dict[str, int] = field(default_factory=dict)


def _ranked_rows(records: Sequence[Measurement]) -> dict[str, list[Row]]:
    """Per workload: measured rows by batch then p50, then other classes (never interleaved)."""
    found = speedups(records)
    rows = []
    for m in ranked(records):
        s = found.get(m.measurement_id)
        rows.append(row(m, s.factor if s else None, s.baseline if s else ""))
    rows.sort(key=lambda r: (provenance.ORDER.index(r.provenance["latency"]), r.batch, r.latency_p50_s or 0.0))
    order = {w: i for i, w in enumerate(dict.fromkeys(m.workload for m in records))}
    return dict(sorted(rows_by_workload(rows).items(), key=lambda kv: order[kv[0]]))


def _skips(records: Sequence[Measurement]) -> list[tuple[str, str, int]]:
    folded = Counter((m.backend, f"{m.status}: {m.invalid_reason}" if m.invalid_reason else m.status)
                     for m in skipped(records))
    return [(backend, reason, n) for (backend, reason), n in folded.items()]


def build(run_id: str, records: Sequence[Measurement], environment: Mapping[str, Any],
          cpu_peaks: CpuPeakConfig = NO_CPU_PEAK, draw_plots: bool = True) -> Report:
    """The report of ``records`` (one run's); plots need matplotlib and are skipped when not asked."""
    inputs = PlotInput(records, environment, cpu_peaks)
    if draw_plots:
        from accelbench.report.plots import PLOTS

        drawn = [render(plot.draw, inputs) for plot in PLOTS]
    else:
        drawn = []
    ranked_ids = {m.measurement_id for m in ranked(records)}
    counts = Counter("ranked" if m.measurement_id in ranked_ids else m.status for m in records)
    return Report(
        run_id=run_id,
        verdicts=verdicts(records),
        ranked=_ranked_rows(records),
        not_ranked=[row(m) for m in not_ranked(records)],
        modeled_devices=[row(m) for m in modeled_devices(records)],
        failures=failed(records),
        skips=_skips(records),
        crossovers=crossovers(records),
        plots=drawn,
        environment=environment_items(environment, records),
        counts=dict(counts),
    )
