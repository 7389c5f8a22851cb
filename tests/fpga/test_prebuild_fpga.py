"""fpga-hls4ml prebuilds: two tiny designs compile at the same time, and prepare then hits the cache."""

from __future__ import annotations

import pytest

from accelbench import prebuild as prebuilds
from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.plan import Task

WORKLOADS = [make_workload("gemm", {"m": 1, "n": 4, "k": 4}), make_workload("gemm", {"m": 1, "n": 4, "k": 6})]


@pytest.fixture(scope="module")
def built() -> tuple[list[prebuilds.BuildReport], list[str]]:
    """Both designs prebuilt together (two workers), with the progress lines they printed."""
    lines: list[str] = []
    tasks = [Task(w, "fpga-hls4ml", 1, "single-stream", {}) for w in WORKLOADS]
    return prebuilds.prebuild_all(tasks, log=lines.append, workers=2), lines


def test_prebuilds_of_two_designs_run_at_the_same_time(built: tuple[list[prebuilds.BuildReport], list[str]]) -> None:
    reports, lines = built
    assert [r.error for r in reports] == ["", ""], lines
    assert max(r.start_s for r in reports) < min(r.end_s for r in reports)  # both started before either ended
    for index in (1, 2):  # each build names its stages as they start
        assert any(f"[build {index}/2] gemm" in line and "converting (hls4ml)" in line for line in lines), lines
    assert any("compiling the C simulation (g++)" in line for line in lines), lines


def test_prepare_after_prebuild_loads_the_cached_library(built: tuple[list[prebuilds.BuildReport], list[str]]) -> None:
    backend = get_backend("fpga-hls4ml")
    for workload in WORKLOADS:
        prepared = backend.prepare(workload, {})
        assert prepared.figures["fpga"]["cache_hit"] is True
        assert prepared.functional


def test_a_prebuild_over_its_time_limit_becomes_the_measurements_error_record() -> None:
    from accelbench.execute import execute_local
    from accelbench.measure.policy import RunPolicy
    from accelbench.measure.runner import Runner

    workload = make_workload("gemm", {"m": 1, "n": 5, "k": 7})  # built by no other test: a cold build
    lines: list[str] = []
    tasks = [Task(workload, "fpga-hls4ml", 1, "single-stream", {"build_timeout_s": 0.2})]
    reports = prebuilds.prebuild_all(tasks, log=lines.append, workers=2)
    assert "exceeded 0.2 s" in reports[0].error and any("failed (BuildError" in line for line in lines), lines
    (record,) = execute_local(tasks, Runner(RunPolicy(budget_s=0.01), "r"), lambda _m: None, prebuild=True)
    assert record.status == "error" and "exceeded 0.2 s" in record.invalid_reason
