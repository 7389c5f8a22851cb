"""Vendor synthesis when Vitis/Vivado HLS is installed: build, parse csynth, compare with the model.

Runs only when asked (configuration ``fpga_synth=true``) and a tool is on PATH; the report's
figures are ``reported`` and stored beside the model's prediction with the prediction error.
Without a tool nothing is synthesised and the record says so; no figure is ever labelled
``reported`` unless a report file was parsed.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from accelbench.fpga.model import DesignEstimate
from accelbench.fpga.reports import find_vendor_tool, parse_cosim_rpt, parse_csynth_xml, to_record

_COMPARED = ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k")


def find_csynth_xml(project_dir: Path) -> Path | None:
    """The newest csynth.xml under an hls4ml project directory."""
    reports = sorted(project_dir.rglob("csynth.xml"), key=lambda p: p.stat().st_mtime)
    return reports[-1] if reports else None


def synthesize(hls_model: Any, project_dir: Path, model: DesignEstimate, cosim: bool = False) -> dict[str, Any]:
    """Run C synthesis (and co-simulation if asked); return the ``reported`` figures and model errors."""
    tool = find_vendor_tool()
    if tool is None:
        return {"ran": False, "reason": "fpga_synth requested but no Vitis/Vivado HLS on PATH: nothing synthesised"}
    with contextlib.redirect_stdout(io.StringIO()):
        hls_model.build(csim=False, synth=True, cosim=cosim, export=False)
    report_path = find_csynth_xml(project_dir)
    if report_path is None:
        return {"ran": True, "tool": tool, "reason": f"{tool} ran but wrote no csynth.xml under {project_dir}"}
    reported = to_record(parse_csynth_xml(report_path))
    if cosim:
        cosim_reports = sorted(project_dir.rglob("*_cosim.rpt"), key=lambda p: p.stat().st_mtime)
        if cosim_reports:
            reported["cosim"] = parse_cosim_rpt(cosim_reports[-1])
    predicted = {key: getattr(model, key) for key in _COMPARED}
    errors = {
        key: (predicted[key] - reported[key]) / reported[key]
        for key in _COMPARED
        if isinstance(reported.get(key), int) and reported[key]
    }
    return {"ran": True, "tool": tool, "reported": reported, "model_relative_error": errors}
