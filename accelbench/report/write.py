"""Write a report directory: index.html, report.md, summary.csv, results.csv and invalid.csv."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from accelbench.report import csv_writer, html_writer, markdown_writer
from accelbench.report.build import Report, build
from accelbench.report.roofs import NO_CPU_PEAK, CpuPeakConfig
from accelbench.results.record import Measurement


def write_report(run_id: str, records: Sequence[Measurement], environment: Mapping[str, Any], out: Path,
                 cpu_peaks: CpuPeakConfig = NO_CPU_PEAK) -> Report:
    """Build the report of ``records`` and write every file into ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    report = build(run_id, records, environment, cpu_peaks)
    html_writer.write(report, out)
    markdown_writer.write(report, out)
    csv_writer.write(report, out)
    return report


__all__ = ["Report", "write_report"]
