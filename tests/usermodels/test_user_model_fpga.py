"""A user's trained model on fpga-hls4ml: checked in C simulation, accuracy labelled simulated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.backends.registry import availability
from accelbench.cli import main

pytestmark = pytest.mark.skipif(not availability("fpga-hls4ml").ok, reason="hls4ml or g++ missing")


def test_an_onnx_model_with_data_runs_on_fpga_hls4ml_with_simulated_accuracy(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(trained["onnx"]), "--data", str(trained["data"]), "--backends", "fpga-hls4ml",
                 "--no-power", "--json", "--store", str(tmp_path / "s.duckdb")])
    out, err = capsys.readouterr()
    assert code == 0, err
    (record,) = json.loads(out)
    assert record["status"] == "ok", record["invalid_reason"]
    assert record["provenance"]["accuracy"] == "simulated" and record["provenance"]["latency"] == "modeled"
    acc = record["accuracy"]
    assert acc["metric"] == "top1" and acc["n"] == 200
    assert acc["value"] > 0.9 and acc["agreement"]["argmax"] > 0.95
