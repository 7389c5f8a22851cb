"""``show`` tables: human units, provenance marks (unknown never taken as measured), why a record is not ranked."""

from __future__ import annotations

import re

import pytest

from accelbench.commands.table import cells, measurements_table, status_text, timing_text
from accelbench.results.record import Quality
from tests.unit.test_report_data import rec, unfit


def test_cells_use_human_units_and_never_scientific_seconds() -> None:
    row = cells(rec("cpu-numpy", 2.07e-4, energy_j_per_item=7.55e-3, power_w=3.66))
    assert row[4] == "207 µs" and row[6] == "4.83 k items/s" and row[8] == "7.55 mJ" and row[9] == "3.66 W"
    assert not any(re.search(r"\d[eE][-+]?\d", cell) for cell in row)


def test_an_unlabelled_figure_is_marked_unknown() -> None:
    assert cells(rec("cpu-numpy", 1e-3, labels={"latency": "unknown"}))[4] == "1 ms‽"


def test_a_design_that_does_not_fit_says_so_with_the_resource() -> None:
    text = status_text(unfit())
    assert text.startswith("does not fit") and "DSP 533 %" in text


def test_a_model_only_record_does_not_repeat_its_status() -> None:
    m = rec("fpga-hls4ml", 1e-6, provenance="modeled", status="model-only",
            invalid_reason="nothing ran, no output was checked: every figure comes from a model")
    assert status_text(m).count("model-only") == 1


def test_timing_verdict_is_shown() -> None:
    assert timing_text(rec("cpu-numpy", 1e-3, quality=Quality("contended", reason="run-queue wait 30 %"))) == \
        "contended: run-queue wait 30 %"
    assert timing_text(rec("fpga-hls4ml", 1e-6, provenance="modeled")) == "-"


def test_the_table_prints_markup_in_names_literally(capsys: pytest.CaptureFixture[str]) -> None:
    measurements_table([rec("cpu-numpy", 1e-3, workload="[bold]x[/bold]")], title="run [red]1")
    out = capsys.readouterr().out
    assert "[bold]x[/bold]" in out and "run [red]1" in out
