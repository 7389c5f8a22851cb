"""Vendor HLS reports: find the tool, parse csynth (XML or text) and cosim reports.

Figures parsed here are ``reported``. accelbench never claims a synthesis ran: without a tool
on PATH there are no reports, and the backend says so.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from accelbench.errors import UserError

VENDOR_TOOLS = ("vitis_hls", "vitis-run", "vivado_hls")


def find_vendor_tool() -> str | None:
    """The first HLS tool on PATH (vitis_hls, vitis-run, vivado_hls), or None."""
    for tool in VENDOR_TOOLS:
        if shutil.which(tool):
            return tool
    return None


@dataclass(frozen=True)
class SynthReport:
    """csynth figures: cycles, estimated clock (ns) and resources used / available."""

    latency_best: int | None
    latency_worst: int | None
    interval_min: int | None
    interval_max: int | None
    target_clock_ns: float | None
    estimated_clock_ns: float | None
    used: dict[str, int]
    available: dict[str, int]
    source: str


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def parse_csynth_xml(path: Path) -> SynthReport:
    """Parse a Vivado/Vitis HLS ``csynth.xml`` (``<profile>`` with PerformanceEstimates, AreaEstimates)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise UserError(f"{path}: not a readable csynth XML report ({exc})") from None
    perf = root.find("PerformanceEstimates")
    area = root.find("AreaEstimates")
    if perf is None or area is None:
        raise UserError(f"{path}: csynth report lacks PerformanceEstimates/AreaEstimates")
    latency = perf.find("SummaryOfOverallLatency")
    timing = perf.find("SummaryOfTimingAnalysis")

    def text(node: ET.Element | None, tag: str) -> str | None:
        found = node.find(tag) if node is not None else None
        return found.text if found is not None else None

    def resources(tag: str) -> dict[str, int]:
        node = area.find(tag)
        out: dict[str, int] = {}
        for child in list(node) if node is not None else []:
            value = _int(child.text)
            if value is not None:
                out[child.tag.upper()] = value
        return out

    return SynthReport(
        latency_best=_int(text(latency, "Best-caseLatency")),
        latency_worst=_int(text(latency, "Worst-caseLatency")),
        interval_min=_int(text(latency, "Interval-min")),
        interval_max=_int(text(latency, "Interval-max")),
        target_clock_ns=_float(text(root.find("UserAssignments"), "TargetClockPeriod")),
        estimated_clock_ns=_float(text(timing, "EstimatedClockPeriod")),
        used=resources("Resources"),
        available=resources("AvailableResources"),
        source=str(path),
    )


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """Lines under each ``== Title`` banner of a csynth report, keyed by the lower-case title."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        match = re.match(r"^\s*==\s*(.+?)\s*$", line)
        if match and not line.strip().startswith("=="*10):
            current = sections.setdefault(match.group(1).lower(), [])
        else:
            current.append(line)
    return sections


def _summary_rows(lines: list[str]) -> list[str]:
    """The rows of the first table after ``* Summary:`` (the detail tables that follow are ignored)."""
    rows: list[str] = []
    in_summary = False
    for line in lines:
        text = line.strip()
        if text.startswith("* Summary"):
            in_summary = True
        elif in_summary and text.startswith("|"):
            rows.append(text)
        elif in_summary and rows and not text.startswith("+"):
            break  # the table ended
    return rows


def parse_csynth_rpt(path: Path) -> SynthReport:
    """Parse the text ``*_csynth.rpt`` of Vivado HLS or Vitis HLS.

    Reads the timing summary (target and estimated clock), the latency summary (min/max latency and
    interval, cycles) and the utilisation summary's Total and Available rows; the per-instance
    detail tables that follow each summary are not read.
    """
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot read csynth report ({exc})") from None
    sections = _sections(lines)
    perf = sections.get("performance estimates", [])
    latency: list[int | None] = [None, None, None, None]
    target = estimated = None
    timing_at = next((i for i, line in enumerate(perf) if line.strip().startswith("+ Timing")), None)
    latency_at = next((i for i, line in enumerate(perf) if line.strip().startswith("+ Latency")), None)
    if timing_at is not None:
        for row in _summary_rows(perf[timing_at:latency_at]):
            cells = _cells(row)
            if len(cells) >= 3 and "ns" in cells[1]:
                target = _float(re.sub(r"[^\d.]", "", cells[1]))
                estimated = _float(re.sub(r"[^\d.]", "", cells[2]))
                break
    if latency_at is not None:
        for row in _summary_rows(perf[latency_at:]):
            cells = _cells(row)
            numbers = [_int(c) for c in cells]
            ints = [n for n in numbers if n is not None]  # absolute latencies ("50.000 ns") are skipped
            if numbers[0] is not None and len(ints) >= 4:
                latency = [ints[0], ints[1], ints[2], ints[3]]
                break
    used: dict[str, int] = {}
    available: dict[str, int] = {}
    header: list[str] = []
    for row in _summary_rows(sections.get("utilization estimates", [])):
        cells = _cells(row)
        if cells[0] == "Name":
            header = [c.upper() for c in cells[1:]]
        elif header and cells[0] in ("Total", "Available"):
            counts = {name: v for name, c in zip(header, cells[1:], strict=False) if (v := _int(c)) is not None}
            (used if cells[0] == "Total" else available).update(counts)
    if latency[0] is None and not used:
        raise UserError(f"{path}: no latency or utilisation summary found in the csynth report")
    return SynthReport(latency[0], latency[1], latency[2], latency[3], target, estimated, used, available, str(path))


def parse_cosim_rpt(path: Path) -> dict[str, int | None]:
    """Parse ``*_cosim.rpt``: the Verilog row's latency min/avg/max and interval min/avg/max."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise UserError(f"{path}: cannot read cosim report ({exc})") from None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and cells[0].lower() in ("verilog", "vhdl") and cells[1].lower() == "pass":
            mins = [_int(c) for c in cells[2:8]]
            return dict(zip(("latency_min", "latency_avg", "latency_max", "ii_min", "ii_avg", "ii_max"), mins,
                            strict=True))
    raise UserError(f"{path}: no passing Verilog/VHDL row in the cosim report")


def to_record(report: SynthReport) -> dict[str, object]:
    """Figures for the record's ``fpga.reported`` entry."""
    return {
        "latency_cycles": report.latency_worst,
        "ii_cycles": report.interval_max,
        "dsp": report.used.get("DSP48E") or report.used.get("DSP"),
        "lut": report.used.get("LUT"),
        "ff": report.used.get("FF"),
        "bram18k": report.used.get("BRAM_18K"),
        "estimated_clock_ns": report.estimated_clock_ns,
        "source": report.source,
    }
