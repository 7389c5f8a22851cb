"""fpga-hls4ml: convert, compile (g++) and C-simulate small designs; modeled figures; build cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accelbench.backends.registry import get_backend
from accelbench.fpga.build import build_design
from accelbench.fpga.config import resolve_config
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.record import Measurement
from accelbench.workload import Workload

POLICY = RunPolicy(budget_s=0.05, min_samples=3, warmup_s=0.0)

DESIGNS = {
    "mlp": make_workload("model", {"model": "mlp"}),
    "jet_mlp": make_workload("model", {"model": "jet_mlp"}),
    "gemm": make_workload("gemm", {"m": 3, "n": 8, "k": 12, "trans_b": True}),
    "cnn_stream": make_workload("conv2d", {"c": 2, "h": 16, "w": 16, "k": 4, "r": 3, "s": 3, "pad": 1}),
    "lstm": make_workload("rnn_step", {"cell": "lstm", "hidden": 6, "input_size": 5}),
    "gru": make_workload("rnn_step", {"cell": "gru", "hidden": 6, "input_size": 5}),
    "vanilla": make_workload("rnn_step", {"cell": "vanilla", "hidden": 8}),
    "depthwise_onnx": make_workload("model", {"model": "dw_block"}),
    "vanilla_sequence": make_workload("rnn_step", {"cell": "vanilla", "hidden": 8, "timesteps": 6}),
    "lstm_sequence": make_workload("rnn_step", {"cell": "lstm", "hidden": 6, "input_size": 5, "timesteps": 4}),
}


@pytest.fixture(scope="session")
def results() -> dict[str, Measurement]:
    """One measurement per design at batch 3 (built once for the whole session)."""
    backend = get_backend("fpga-hls4ml")
    return {name: Runner(POLICY, "fpga").measure(backend, workload, 3) for name, workload in DESIGNS.items()}


@pytest.mark.parametrize("name", list(DESIGNS))
def test_design_c_simulation_matches_the_reference(results: dict[str, Measurement], name: str) -> None:
    m = results[name]
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and 0 < m.error.rel <= m.error.rtol  # fixed point: never bit-exact float
    assert m.provenance["error"] == "simulated"
    assert m.fpga is not None
    tolerance = m.fpga["tolerance"]  # the bound used is recorded, from the precision unless overridden
    assert tolerance["rtol"] == m.error.rtol and tolerance["source"] == "precision bound"
    assert tolerance["abs_bound"] > 0 and tolerance["lsb"] > 0


@pytest.mark.parametrize("name", list(DESIGNS))
def test_timing_and_resources_are_modeled_never_measured(results: dict[str, Measurement], name: str) -> None:
    m = results[name]
    assert m.provenance["latency"] == "modeled" and m.provenance["throughput_items_s"] == "modeled"
    assert m.samples_s == () and m.latency is not None and m.latency.n_samples == 0
    assert m.fpga is not None
    for key in ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k", "clock_ns", "part", "fits"):
        assert key in m.fpga
    for key in ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k"):
        low, high = m.fpga[f"{key}_range"]
        assert low <= m.fpga[key] <= high, key
    assert m.fpga["hls_tool"] and m.fpga["hls4ml_version"] and m.fpga["fits"] in ("yes", "maybe")
    low_s, high_s = m.ranges["latency"]
    assert low_s <= m.latency.p50_s <= high_s
    assert m.provenance["fpga.dsp"] == "modeled"
    assert any("no Vitis/Vivado on PATH: no Vitis/Vivado synthesis ran" in note for note in m.notes)


def test_classifier_records_argmax_agreement(results: dict[str, Measurement]) -> None:
    error = results["jet_mlp"].error
    assert error is not None and error.argmax_agreement is not None


def _layer_classes(workload: Workload) -> set[str]:
    design = build_design(workload, resolve_config(workload, {}))
    return {layer.class_name for layer in design.hls_model.get_layers()}


def test_recurrent_cells_never_route_through_hls4ml_rnn_layers(results: dict[str, Measurement]) -> None:
    for name in ("vanilla", "lstm", "gru"):
        classes = _layer_classes(DESIGNS[name])
        assert not classes & {"SimpleRNN", "LSTM", "GRU"}, (name, classes)
        assert "Dense" in classes


def test_large_conv_inputs_use_io_stream() -> None:
    assert resolve_config(DESIGNS["cnn_stream"], {}).io_type == "io_stream"
    small = make_workload("conv2d", {"c": 2, "h": 8, "w": 8, "k": 2})
    assert resolve_config(small, {}).io_type == "io_parallel"


def test_second_prepare_of_the_same_design_is_a_cache_hit(results: dict[str, Measurement]) -> None:
    workload = DESIGNS["mlp"]
    libraries = sorted(path.stat().st_mtime_ns for path in Path(os.environ["ACCELBENCH_CACHE_DIR"]).rglob("*.so"))
    design = build_design(workload, resolve_config(workload, {}))
    assert design.cache_hit and design.compile_s == 0.0
    # no g++ ran: no library was written or rewritten
    assert sorted(path.stat().st_mtime_ns for path in Path(os.environ["ACCELBENCH_CACHE_DIR"]).rglob("*.so")) == libraries


def test_a_different_reuse_factor_is_a_different_design(results: dict[str, Measurement]) -> None:
    workload = DESIGNS["mlp"]
    a = build_design(workload, resolve_config(workload, {"reuse_factor": 1}))
    b = build_design(workload, resolve_config(workload, {"reuse_factor": 2}))
    assert a.key != b.key and not b.cache_hit


def test_designs_over_the_size_limit_are_model_only_never_valid() -> None:
    workload = make_workload("gemm", {"m": 2, "n": 64, "k": 64})
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), workload, 1, {"model_only_max_mults": 1000})
    assert m.status == "model-only" and not m.valid and m.error is None
    assert "error" not in m.provenance and m.provenance["latency"] == "modeled"
    assert any("model-only" in note for note in m.notes)
    assert m.fpga is not None and m.fpga["model_only"] is True


def test_a_gemm_too_big_for_the_part_is_never_valid_and_names_the_resources() -> None:
    workload = make_workload("gemm", {"m": 256, "n": 256, "k": 256})
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), workload, 1,
                                       {"fpga_part": "xcu250-figd2104-2L-e"})
    assert m.status in ("model-only", "does-not-fit") and not m.valid
    assert m.fpga is not None and m.fpga["fits"] == "no"
    over = [name for name in ("DSP", "LUT", "FF", "BRAM18K") if f"{name} " in m.fpga["fit_reason"]]
    assert over and "% of xcu250-figd2104-2L-e" in m.fpga["fit_reason"]  # each resource over the part, named
    assert m.fpga["latency_cycles"] >= m.fpga["latency_floor_cycles"] >= 1


def test_a_design_that_does_not_fit_is_stored_does_not_fit_after_its_check() -> None:
    workload = make_workload("gemm", {"m": 2, "n": 32, "k": 32})  # 1,024 DSP-class products on a 220-DSP part
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), workload, 1,
                                       {"fpga_part": "xc7z020clg400-1", "hls_tool": "vivado-hls-2019.2",
                                        "hls4ml_version": "0.5"})
    assert m.status == "does-not-fit" and not m.valid and m.error is not None
    assert "DSP" in m.invalid_reason


def test_backbones_too_large_for_c_simulation_are_model_only_without_conversion() -> None:
    workload = make_workload("model", {"model": "mobilenetv2_trunk", "input_hw": 32, "width": 0.25})
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), workload, 1)
    assert m.status == "model-only", m.invalid_reason
    assert m.fpga is not None and m.fpga["dsp"] > 0
    assert any(layer["kind"] == "depthwise_conv2d" for layer in m.fpga["layers"])
    assert any("not converted" in note for note in m.notes)


def test_a_sequence_is_the_cell_iterated_latency_t_times_the_cell(results: dict[str, Measurement]) -> None:
    seq = results["vanilla_sequence"].fpga
    assert seq is not None and seq["timesteps"] == 6
    cell = seq["layers"]  # one cell's hardware, its latency T times (+ one fill stage)
    assert seq["dsp"] == sum(layer["dsp"] for layer in cell)
    assert seq["latency_cycles"] == 6 * max(sum(layer["latency_cycles"] for layer in cell), 1) + 1
    assert seq["ii_cycles"] >= 6


def test_depthwise_networks_go_through_onnx_and_qonnx(results: dict[str, Measurement]) -> None:
    workload = DESIGNS["depthwise_onnx"]
    design = build_design(workload, resolve_config(workload, {}))
    assert design.lowered.route == "onnx"
    classes = {layer.class_name for layer in design.hls_model.get_layers()}
    assert "DepthwiseConv2D" in classes and "PointwiseConv2D" in classes
    assert results["depthwise_onnx"].fpga is not None and results["depthwise_onnx"].fpga["dsp"] > 0


def test_a_build_that_exceeds_its_timeout_is_a_recorded_failure() -> None:
    workload = make_workload("gemm", {"m": 1, "n": 9, "k": 7})
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), workload, 1, {"build_timeout_s": 0.5})
    assert m.status == "error" and "exceeded 0.5 s" in m.invalid_reason


def test_cli_done_when_and_cache_reuse(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "accelbench.cli", "run", "jet_mlp", "--backends", "fpga-hls4ml",
            "--fpga-part", "xcu250-figd2104-2L-e", "--clock-ns", "5", "--reuse-factor", "1",
            "--strategy", "latency", "--precision", "ap_fixed<16,6>", "--json", "--store", str(tmp_path / "s.duckdb")]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    (record,) = json.loads(first.stdout)
    assert record["valid"] and record["provenance"]["error"] == "simulated"
    assert record["fpga"]["part"] == "xcu250-figd2104-2L-e" and record["fpga"]["clock_ns"] == 5.0
    assert record["fpga"]["hls_tool"] == "vitis-hls-2024.1" and record["fpga"]["hls4ml_version"]
    assert record["fpga"]["dsp_range"][0] <= record["fpga"]["dsp"] <= record["fpga"]["dsp_range"][1]
    assert "latency" in record["ranges"]
    second = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    (again,) = json.loads(second.stdout)
    assert any("cached C-simulation build" in note for note in again["detail"]["notes"])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--reuse-factor", "0"], "reuse factor must be an integer >= 1"),
        (["--fpga-part", "xc-none"], "unknown FPGA part 'xc-none'"),
        (["--precision", "ap_fixed<3>"], "precision 'ap_fixed<3>'"),
    ],
)
def test_bad_fpga_configs_exit_2_with_one_line(tmp_path: Path, flags: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "accelbench.cli", "run", "jet_mlp", "--backends", "fpga-hls4ml", *flags,
         "--store", str(tmp_path / "s.duckdb")], capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.duckdb").exists()


def test_explore_stores_and_prints_the_trade_off_marking_what_fits(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "accelbench.cli", "fpga", "explore", "mlp", "--fpga-part", "xc7z020clg400-1",
         "--reuse-factor", "1,64", "--json", "--store", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["reuse_factor"] for r in rows] == [1, 64]  # (RF 2 would keep one product per weight)
    assert rows[0]["dsp"] > rows[1]["dsp"] and rows[0]["ii_cycles"] < rows[1]["ii_cycles"]
    assert all(r["error_rel"] is not None for r in rows)  # both checked in C simulation
    # RF 1 needs more DSPs than the xc7z020 has: stored does-not-fit, listed, never the best
    assert [(r["status"], r["fits"]) for r in rows] == [("does-not-fit", "no"), ("ok", "yes")]
    assert "DSP" in rows[0]["fit_reason"] and rows[0]["best"] == [] and not rows[0]["rankable"]
    assert rows[1]["best"] == ["latency", "dsp"]


def test_explore_never_makes_a_model_only_design_the_winner(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "accelbench.cli", "fpga", "explore", "gemm:m=1,n=160,k=160", "--reuse-factor", "1,64",
         "--json", "--store", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["status"] for r in rows] == ["model-only", "model-only"]  # 25,600 products per step each
    assert all(r["best"] == [] and not r["rankable"] for r in rows)


def test_a_slow_conversion_is_a_recorded_failure_that_names_the_stage(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))  # nothing converted yet
    m = Runner(POLICY, "fpga").measure(get_backend("fpga-hls4ml"), DESIGNS["depthwise_onnx"], 1,
                                       {"build_timeout_s": 0.5})
    assert m.status == "error"
    assert "conversion stage (ONNX export + qonnx clean-up) exceeded 0.5 s" in m.invalid_reason
