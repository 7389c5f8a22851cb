"""``fpga explore`` on a user's trained model with ``--data``: accuracy beside latency for every
precision x reuse factor, the accuracy-latency Pareto designs marked, ``--min-accuracy`` obeyed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accelbench.backends.registry import availability
from accelbench.cli import main
from accelbench.commands.fpga import pareto
from accelbench.results.store import open_store

needs_hls4ml = pytest.mark.skipif(not availability("fpga-hls4ml").ok, reason="hls4ml or g++ missing")

PRECISIONS = "ap_fixed<16,6>,ap_fixed<10,6>"  # both within the C simulation's tolerance


def _explore(trained: dict[str, Path], store: Path, capsys: pytest.CaptureFixture[str],
             *extra: str) -> list[dict[str, Any]]:
    code = main(["fpga", "explore", str(trained["onnx"]), "--data", str(trained["data"]), "--reuse-factor", "1,2",
                 "--precision", PRECISIONS, "--store", str(store), "--json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows




@needs_hls4ml
def test_explore_with_data_stores_and_prints_accuracy_for_every_design(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.duckdb"
    rows = _explore(trained, store, capsys, "--min-accuracy", "0")
    assert len(rows) == 4
    assert {(r["reuse_factor"], r["precision"]) for r in rows} == {
        (rf, p) for rf in (1, 2) for p in ("ap_fixed<16,6>", "ap_fixed<10,6>")}
    for r in rows:
        assert r["status"] == "ok", r["invalid_reason"]
        assert r["accuracy_metric"] == "top1" and 0.0 <= r["accuracy"] <= 1.0 and r["accuracy_n"] == 200
        assert r["accuracy_provenance"] == "simulated" and r["below_floor"] is False
    assert any(r["pareto"] for r in rows)
    with open_store(store, read_only=True) as s:
        stored = s.measurements()
    assert len(stored) == 4 and all(m.accuracy and m.accuracy["metric"] == "top1" for m in stored)


@needs_hls4ml
def test_explore_min_accuracy_excludes_designs_below_it_from_winners_and_the_front(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _explore(trained, tmp_path / "s.duckdb", capsys, "--min-accuracy", "1.01")  # top-1 never exceeds 1
    assert len(rows) == 4
    for r in rows:
        assert r["below_floor"] is True and r["rankable"] is False and "below the floor" in r["why_unranked"]
        assert r["best"] == [] and r["pareto"] is False


@needs_hls4ml
def test_explore_table_shows_an_accuracy_column_with_the_pareto_mark(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fpga", "explore", str(trained["onnx"]), "--data", str(trained["data"]), "--reuse-factor", "1,2",
                 "--store", str(tmp_path / "s.duckdb")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "accuracy" in out and "top1 " in out and "◆" in out


def _row(workload: str, latency_ns: float | None, accuracy: float | None, metric: str = "top1",
         rankable: bool = True) -> dict[str, Any]:
    return {"workload": workload, "latency_ns": latency_ns, "accuracy": accuracy, "accuracy_metric": metric,
            "rankable": rankable}


def test_pareto_keeps_designs_no_other_beats_on_both_latency_and_accuracy() -> None:
    rows = [_row("m", 10, 0.90), _row("m", 20, 0.95), _row("m", 30, 0.93),  # 30 ns is beaten by 20 ns
            _row("m", 5, 0.99, rankable=False),  # below the floor: never on the front, never dominates
            _row("m", 10, 0.90),  # a tie is not dominated
            _row("m", 40, None)]  # no accuracy
    assert pareto(rows) == {0, 1, 4}


def test_pareto_prefers_lower_mse_and_compares_within_one_workload() -> None:
    rows = [_row("a", 10, 0.5, "mse"), _row("a", 20, 0.1, "mse"), _row("a", 30, 0.2, "mse"), _row("b", 50, 0.9)]
    assert pareto(rows) == {0, 1, 3}
