"""selftest --gpu shows the model beside the measurement on the user's own GPU."""

from __future__ import annotations

import pytest

from accelbench.gpumodel.selfcheck import model_vs_measurement
from accelbench.kinds import make_workload


def test_a_catalog_gpu_gets_the_models_prediction_and_its_error() -> None:
    workload = make_workload("gemm", {"m": 1024, "n": 1024, "k": 1024})
    row = model_vs_measurement(workload, 1, "Tesla T4", measured_s=1e-3)
    assert row["model_gpu"] == "T4"
    low, high = row["model_range_s"]
    assert low < row["model_p50_s"] < high
    assert row["model_error_rel"] == pytest.approx((row["model_p50_s"] - 1e-3) / 1e-3)
    assert row["model_inside_range"] == (low <= 1e-3 <= high)


def test_a_gpu_outside_the_catalog_says_why_there_is_no_model() -> None:
    workload = make_workload("gemm", {"m": 8, "n": 8, "k": 8})
    assert "no gpu-model catalog entry" in model_vs_measurement(workload, 1, "NVIDIA L40S", 1e-5)["model_note"]
