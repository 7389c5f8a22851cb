"""Example: benchmark accelbench workloads from pytest with pytest-benchmark.

    pytest examples/test_accel_example.py --accel-backends cpu-numpy,cpu-torch --benchmark-json=out.json
    accelbench ingest out.json          # store the results
    accelbench compare RUN_A RUN_B      # after a second run: regressions with statistics
"""

from __future__ import annotations

from accelbench.kinds import make_workload


def test_suite_workload_on_backend(accelbench, accel_workload, accel_backend):  # type: ignore[no-untyped-def]
    """Parametrised over --accel-suite x --accel-backends (ids like gemm-256-cpu-torch)."""
    m = accelbench()
    assert m.valid and m.latency is not None


def test_one_gemm_on_numpy(accelbench):  # type: ignore[no-untyped-def]
    m = accelbench(make_workload("gemm", {"m": 128, "n": 128, "k": 128}), "cpu-numpy", batch=4)
    assert m.achieved_flops_s and m.achieved_flops_s > 0
