"""A model trained outside accelbench, given as a .py factory, ONNX or torch.export file with its
data, runs on the CPU backends with accuracy and agreement in every record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.cli import main

CPU = "cpu-numpy,cpu-torch,cpu-onnxruntime"


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code = main(["run", *argv, "--budget-s", "0.02", "--no-power", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _check_accuracy(records: list[dict], backends: set[str]) -> None:
    assert {r["backend"] for r in records} == backends
    for r in records:
        assert r["status"] == "ok", r["invalid_reason"]
        acc = r["accuracy"]
        assert acc["metric"] == "top1" and acc["n"] == 200
        assert acc["value"] > 0.9  # the blobs are well separated; a broken lowering scores ~1/3
        assert abs(acc["value"] - acc["reference_value"]) <= 0.02
        assert acc["agreement"]["argmax"] > 0.97
        assert r["provenance"]["accuracy"] == "measured"


def test_a_py_factory_with_weights_and_data_runs_on_every_cpu_backend_with_accuracy(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = _run_json(capsys, f"{trained['py']}:build", "--weights", str(trained["weights"]),
                        "--data", str(trained["data"]), "--backends", CPU + ",cpu-numba",
                        "--store", str(tmp_path / "s.duckdb"))
    _check_accuracy(records, {"cpu-numpy", "cpu-torch", "cpu-onnxruntime", "cpu-numba"})
    assert records[0]["params"]["format"] == "py" and len(records[0]["params"]["sha256"]) == 16


def test_an_onnx_file_runs_on_every_cpu_backend_with_accuracy(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = _run_json(capsys, str(trained["onnx"]), "--data", str(trained["data"]), "--backends", CPU,
                        "--store", str(tmp_path / "s.duckdb"))
    _check_accuracy(records, set(CPU.split(",")))


def test_a_torch_export_program_runs_on_cpu_torch(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = _run_json(capsys, str(trained["pt2"]), "--data", str(trained["data"]), "--backends", "cpu-torch",
                        "--store", str(tmp_path / "s.duckdb"))
    _check_accuracy(records, {"cpu-torch"})


def test_data_n_limits_the_rows_and_changes_the_workload_identity(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = _run_json(capsys, str(trained["onnx"]), "--data", str(trained["data"]), "--backends", "cpu-numpy",
                     "--store", str(tmp_path / "s.duckdb"))
    some = _run_json(capsys, str(trained["onnx"]), "--data", str(trained["data"]), "--data-n", "50",
                     "--backends", "cpu-numpy", "--store", str(tmp_path / "s.duckdb"))
    assert some[0]["accuracy"]["n"] == 50
    assert some[0]["params_hash"] != full[0]["params_hash"]


def test_a_min_accuracy_floor_keeps_a_result_from_being_ranked(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from accelbench.results.rank import rankable, why_unranked
    from accelbench.results.record import Measurement

    records = _run_json(capsys, str(trained["onnx"]), "--data", str(trained["data"]), "--backends", "cpu-numpy",
                        "--min-accuracy", "0.999", "--store", str(tmp_path / "s.duckdb"))
    m = Measurement.from_json(records[0])
    if m.accuracy and m.accuracy["value"] < 0.999:
        assert m.accuracy["below_floor"] and not rankable(m) and "below the floor" in why_unranked(m)
    else:
        assert rankable(m)


def test_without_data_a_user_model_is_checked_on_random_inputs_and_has_no_accuracy(
        trained: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = _run_json(capsys, str(trained["onnx"]), "--backends", "cpu-onnxruntime",
                        "--store", str(tmp_path / "s.duckdb"))
    assert records[0]["status"] == "ok" and records[0]["accuracy"] is None


def test_a_plugin_kernel_from_a_file_is_measured_like_a_builtin_backend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = Path(__file__).parents[2] / "examples" / "user_kernel_plugin.py"
    records = _run_json(capsys, "gemm:m=24,n=20,k=16", "--plugin", str(plugin),
                        "--backends", "my-numba-gemm,cpu-numpy", "--store", str(tmp_path / "s.duckdb"))
    by = {r["backend"]: r for r in records}
    assert by["my-numba-gemm"]["status"] == "ok" and by["my-numba-gemm"]["error"]["rel"] < 1e-5
    assert by["my-numba-gemm"]["provenance"]["latency"] == "measured"


def test_an_invalid_result_on_the_users_data_still_says_what_it_costs_in_accuracy(
        trained: dict[str, Path], fake_backends: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # fake_error shifts every output: outside tolerance, so invalid; accuracy is still measured (a too
    # narrow FPGA precision is the case that matters), and the record is never ranked.
    code = main(["run", str(trained["onnx"]), "--data", str(trained["data"]), "--backends", "fake",
                 "--config", "fake_error=0.5", "--budget-s", "0.02", "--no-power", "--json",
                 "--store", str(tmp_path / "s.duckdb")])
    out, err = capsys.readouterr()
    assert code == 0, err
    (record,) = json.loads(out)
    assert record["status"] == "invalid" and not record["valid"]
    assert record["accuracy"]["metric"] == "top1" and record["accuracy"]["n"] == 200
    assert record["provenance"]["accuracy"] == "measured"


def test_an_onnx_graph_that_is_not_a_chain_runs_on_onnxruntime_and_is_unsupported_elsewhere_naming_the_node(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    import torch

    class Residual(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = torch.nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + torch.relu(self.dense(x))

    torch.manual_seed(0)
    path = tmp_path / "residual.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Residual().eval(), (torch.zeros(2, 8),), str(path), dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    records = {r["backend"]: r for r in _run_json(capsys, str(path), "--backends", "cpu-onnxruntime,cpu-numpy",
                                                   "--store", str(tmp_path / "s.duckdb"))}
    ort = records["cpu-onnxruntime"]
    assert ort["status"] == "ok" and ort["error"]["rel"] < 1e-5  # checked against the graph's float64 reference
    numpy_record = records["cpu-numpy"]
    assert numpy_record["status"] == "unsupported" and "Add" in numpy_record["invalid_reason"]
