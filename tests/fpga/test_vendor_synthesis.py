"""Vendor synthesis orchestration: reported figures only from a parsed report, never claimed without one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accelbench.fpga import synth
from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.model import estimate
from accelbench.fpga.parts import get_part
from tests.unit.test_fpga_reports import COSIM_RPT, CSYNTH_XML

MODEL = estimate([LayerSpec("d", "dense", 16, 5, 80)], get_part("xc7z020clg400-1"), 5.0)


class FakeGraph:
    """Stands in for an hls4ml ModelGraph whose build() is the vendor tool writing its report."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.calls: list[dict[str, Any]] = []

    def build(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        report = self.project / "myproject_prj" / "solution1" / "syn" / "report"
        report.mkdir(parents=True)
        (report / "csynth.xml").write_text(CSYNTH_XML)
        if self.calls[-1].get("cosim"):
            (report / "myproject_cosim.rpt").write_text(COSIM_RPT)


def test_without_a_tool_nothing_is_synthesised_or_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "find_vendor_tool", lambda: None)
    graph = FakeGraph(tmp_path)
    result = synth.synthesize(graph, tmp_path, MODEL)
    assert result["ran"] is False and "no Vitis/Vivado" in result["reason"]
    assert graph.calls == [] and "reported" not in result


def test_with_a_tool_the_parsed_report_is_stored_with_the_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "find_vendor_tool", lambda: "vitis_hls")
    graph = FakeGraph(tmp_path)
    result = synth.synthesize(graph, tmp_path, MODEL)
    assert graph.calls == [{"csim": False, "synth": True, "cosim": False, "export": False}]
    assert result["reported"]["dsp"] == 73 and result["reported"]["latency_cycles"] == 11
    assert result["model_relative_error"]["dsp"] == pytest.approx((MODEL.dsp - 73) / 73)


def test_cosim_figures_are_parsed_when_cosim_was_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "find_vendor_tool", lambda: "vitis_hls")
    result = synth.synthesize(FakeGraph(tmp_path), tmp_path, MODEL, cosim=True)
    assert result["reported"]["cosim"]["latency_max"] == 11
