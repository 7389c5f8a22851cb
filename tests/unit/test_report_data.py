"""Report data preparation: speedups never mix modeled with measured, crossovers, Pareto fronts."""

from __future__ import annotations

import uuid
from typing import Any

from accelbench.report.data import crossovers, invalid, mark, pareto_front, speedups
from accelbench.results.record import LatencyStats, Measurement


def rec(backend: str, p50: float, batch: int = 1, workload: str = "w", provenance: str = "measured",
        **extra: Any) -> Measurement:
    lat = LatencyStats(p50, p50, p50, p50, p50, p50, 0.0, 0.0, 5)
    return Measurement(
        run_id="r", measurement_id=uuid.uuid4().hex, created_at="t", workload=workload, kind="gemm", params={},
        params_hash="h", backend=backend, family=backend.split("-")[0], batch=batch, scenario="single-stream",
        status=extra.pop("status", "ok"), latency=lat, throughput_items_s=batch / p50,
        provenance={"latency": provenance, "throughput_items_s": provenance}, **extra,
    )


def test_speedup_is_against_the_measured_cpu_baseline_and_never_against_a_model() -> None:
    base, fast, modeled = rec("cpu-numpy", 1e-3), rec("cpu-torch", 5e-4), rec("fpga-hls4ml", 1e-6, provenance="modeled")
    result = speedups([base, fast, modeled])
    assert result[base.measurement_id] == 1.0 and result[fast.measurement_id] == 2.0
    assert result[modeled.measurement_id] is None


def test_speedup_falls_back_to_cpu_torch_when_numpy_has_no_result() -> None:
    base, other = rec("cpu-torch", 2e-3), rec("cpu-numba", 1e-3)
    assert speedups([base, other])[other.measurement_id] == 2.0


def test_crossover_found_where_throughput_order_flips() -> None:
    records = [rec("cpu-numpy", 1e-5, 1), rec("gpu-torch", 1e-4, 1), rec("cpu-numpy", 1e-3, 64), rec("gpu-torch", 2e-4, 64)]
    (c,) = crossovers(records)
    assert (c.leader, c.trailer, c.batch_before, c.batch_after) == ("gpu-torch", "cpu-numpy", 1, 64)


def test_pareto_front_keeps_only_non_dominated_points() -> None:
    front = pareto_front([(1.0, 5.0, "a"), (2.0, 2.0, "b"), (3.0, 3.0, "c"), (4.0, 1.0, "d")])
    assert [label for _, _, label in front] == ["a", "b", "d"]


def test_invalid_results_are_separated() -> None:
    bad = rec("cpu-numpy", 1.0, status="invalid", invalid_reason="relative error 1 exceeds tolerance")
    assert invalid([bad, rec("cpu-torch", 1.0)]) == [bad]


def test_provenance_marks() -> None:
    assert (mark("measured"), mark("simulated"), mark("reported"), mark("modeled")) == ("", "ˢ", "ʳ", "ᵐ")
