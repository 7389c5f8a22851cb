"""GPU backends: without a GPU every one says why and records no number; on a GPU they are checked for real."""

from __future__ import annotations

import json

import pytest

from accelbench.backends.gpu_info import find_peak, peak_flops_s
from accelbench.backends.registry import get_backend
from accelbench.cli import main
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner

GPU_BACKENDS = ("gpu-torch", "gpu-cupy", "gpu-numba")
ANY_GPU = any(get_backend(name).available().ok for name in GPU_BACKENDS)


def test_doctor_json_gives_each_gpu_backend_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    main(["doctor", "--json"])
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["backends"]}
    for name in GPU_BACKENDS:
        assert rows[name]["family"] == "gpu"
        assert rows[name]["available"] or "no CUDA device" in rows[name]["reason"]


@pytest.mark.skipif(ANY_GPU, reason="a GPU is present: the unavailable path is not exercised")
@pytest.mark.parametrize("name", GPU_BACKENDS)
def test_run_without_a_gpu_records_the_reason_and_no_number(name: str) -> None:
    m = Runner(RunPolicy(budget_s=0.02), "g").measure(get_backend(name), make_workload("gemm", {"m": 8, "n": 8, "k": 8}), 1)
    assert m.status == "unavailable" and "no CUDA device" in m.invalid_reason
    assert m.latency is None and m.throughput_items_s is None and m.samples_s == ()


def test_peak_table_matches_device_names_and_uses_dense_figures() -> None:
    h100 = find_peak("NVIDIA H100 80GB HBM3")
    assert h100 is not None and h100.name.startswith("H100")
    assert find_peak("NVIDIA L4") is not None and find_peak("NVIDIA GeForce RTX 4090") is not None
    assert find_peak("NVIDIA A100-SXM4-80GB") is not None and find_peak("Tesla K80") is None
    sxm = find_peak("H100 SXM")
    assert sxm is not None and peak_flops_s(sxm, "float16", tensor_cores=True) == 989.5e12  # dense, not 1979


def test_gpu_backends_decline_what_they_do_not_lower() -> None:
    model = make_workload("model", {"model": "jet_mlp"})
    assert not get_backend("gpu-cupy").supports(model).ok
    assert not get_backend("gpu-numba").supports(make_workload("gemm", {"m": 2, "n": 2, "k": 2, "dtype": "float64"})).ok


@pytest.mark.gpu
@pytest.mark.skipif(not ANY_GPU, reason="no CUDA device found: real-GPU correctness and timing need a GPU")
@pytest.mark.parametrize("name", GPU_BACKENDS)
@pytest.mark.parametrize("kernel", ["library", "custom"])
def test_real_gpu_backend_is_correct_and_device_timed(name: str, kernel: str) -> None:  # pragma: no cover
    backend = get_backend(name)
    if not backend.available().ok:
        pytest.skip(backend.available().reason)
    for workload in (make_workload("gemm", {"m": 130, "n": 70, "k": 90}),
                     make_workload("conv2d", {"c": 3, "h": 17, "w": 15, "k": 8, "pad": 1}),
                     make_workload("rnn_step", {"cell": "lstm", "hidden": 96})):
        m = Runner(RunPolicy(budget_s=0.2), "g").measure(backend, workload, 3, {"kernel": kernel})
        assert m.status == "ok", m.invalid_reason
        assert m.methods["latency"].startswith("device timer") and m.end_to_end is not None


@pytest.mark.skipif(ANY_GPU, reason="a GPU is present")
def test_selftest_without_a_gpu_says_nothing_was_tested(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--gpu", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tested_backends"] == 0
    assert {row["backend"] for row in data["rows"]} == set(GPU_BACKENDS)
    assert all(row["status"] == "unavailable" and row["reason"] for row in data["rows"])
    assert main(["selftest", "--gpu", "--require"]) == 1


def test_percent_of_peak_uses_the_device_peak() -> None:
    from accelbench.commands.selftest import percent_of_peak

    assert percent_of_peak(33.5e12, {"peak": {"flops_s": 67e12}}) == 50.0
    assert percent_of_peak(1e12, {}) is None
