"""Prebuilds: designs of a run are built concurrently before measuring, with progress, and a
failed build becomes the measurement's error record instead of aborting the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import pytest

from accelbench import prebuild as prebuilds
from accelbench.backends.base import Prepared
from accelbench.backends.registry import register_backend, unregister_backend
from accelbench.execute import execute_local
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.plan import Task
from accelbench.workload import Workload
from tests.fakes import FakeBackend

POLICY = RunPolicy(budget_s=0.01, warmup_s=0.0)


class BuildingBackend(FakeBackend):
    """A fake backend with a prebuild hook that records when each build ran."""

    name = "fake-building"
    config_keys: tuple[str, ...] = (*FakeBackend.config_keys, "design", "fail_build")  # type: ignore[assignment]
    #: (design, start, end) per hook call, time.monotonic seconds.
    intervals: ClassVar[list[tuple[str, float, float]]] = []
    #: When set, every build waits here: it only passes when that many builds run at once.
    barrier: ClassVar[threading.Barrier | None] = None
    lock = threading.Lock()

    def prebuild(self, workload: Workload, config: Mapping[str, Any],
                 on_stage: Any = None) -> None:
        start = time.monotonic()
        if on_stage:
            on_stage("compiling")
        try:
            if config.get("fail_build"):
                raise RuntimeError(f"g++ failed on {config.get('design')}")
            if self.barrier is not None:
                self.barrier.wait()  # BrokenBarrierError (after its timeout) unless the builds overlap
        finally:
            with self.lock:
                self.intervals.append((str(config.get("design")), start, time.monotonic()))

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        if config.get("fail_build"):  # prepare meets the same failure, as a real build would
            raise RuntimeError(f"g++ failed on {config.get('design')}")
        return super().prepare(workload, config)


@pytest.fixture
def building() -> Iterator[type[BuildingBackend]]:
    register_backend("fake-building", "tests.cpu.test_prebuild:BuildingBackend")
    BuildingBackend.intervals = []
    BuildingBackend.barrier = None
    yield BuildingBackend
    BuildingBackend.barrier = None
    unregister_backend("fake-building")


def _tasks(designs: list[dict[str, Any]], backend: str = "fake-building", batch: int = 1) -> list[Task]:
    workload = make_workload("gemm", {"m": 4, "n": 4, "k": 4})
    return [Task(workload, backend, batch, "single-stream", config) for config in designs]


def test_prebuilds_of_distinct_designs_overlap_in_time(building: type[BuildingBackend]) -> None:
    building.barrier = threading.Barrier(3, timeout=60)  # passes only if all three builds run at once
    reports = prebuilds.prebuild_all(_tasks([{"design": f"d{i}"} for i in range(3)]), log=lambda _line: None,
                                     workers=3)
    assert [r.error for r in reports] == ["", "", ""]
    starts = [start for _d, start, _end in building.intervals]
    ends = [end for _d, _start, end in building.intervals]
    assert len(building.intervals) == 3
    assert max(starts) < min(ends)  # every build started before any finished


def test_prebuild_prints_design_index_stage_and_elapsed(building: type[BuildingBackend]) -> None:
    lines: list[str] = []
    prebuilds.prebuild_all(_tasks([{"design": "a"}, {"design": "b"}]), log=lines.append, workers=2)
    text = "\n".join(lines)
    assert "building 2 design(s), 2 at a time" in text
    for index in (1, 2):
        assert any(line.startswith(f"[build {index}/2] gemm") and "compiling (" in line and line.endswith(" s)")
                   for line in lines), text
    assert sum(1 for line in lines if ": done (" in line) == 2


def test_prebuild_builds_each_design_once(building: type[BuildingBackend]) -> None:
    tasks = _tasks([{"design": "same"}], batch=1) + _tasks([{"design": "same"}], batch=8)
    reports = prebuilds.prebuild_all(tasks, log=lambda _line: None, workers=2)
    assert len(reports) == 1
    assert [d for d, _s, _e in building.intervals] == ["same"]


def test_failed_prebuild_leaves_an_error_record_and_the_run_goes_on(
        building: type[BuildingBackend], fake_backends: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prebuilds, "build_workers", lambda: 2)
    lines: list[str] = []
    monkeypatch.setattr(prebuilds, "_stderr", lines.append)
    tasks = (_tasks([{"design": "bad", "fail_build": True}, {"design": "good"}])
             + _tasks([{}], backend="fake"))  # a backend without the hook is unaffected
    results = execute_local(tasks, Runner(POLICY, "run"), lambda _m: None, prebuild=True)
    assert [m.status for m in results] == ["error", "ok", "ok"]
    assert "g++ failed on bad" in results[0].invalid_reason
    assert any("failed (RuntimeError: g++ failed on bad)" in line for line in lines)
    assert sorted(d for d, _s, _e in building.intervals) == ["bad", "good"]


def test_prebuild_off_by_environment_builds_nothing_ahead(
        building: type[BuildingBackend], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prebuilds.PREBUILD_ENV, "0")
    results = execute_local(_tasks([{"design": "x"}]), Runner(POLICY, "run"), lambda _m: None)
    assert [m.status for m in results] == ["ok"]
    assert building.intervals == []


def test_fpga_build_work_still_running_is_waited_for_before_the_first_measurement(
        building: type[BuildingBackend], monkeypatch: pytest.MonkeyPatch) -> None:
    import accelbench.fpga.build as fpga_build

    events: list[str] = []
    monkeypatch.setattr(fpga_build, "settle", lambda: events.append("settled"))
    original = BuildingBackend.prepare

    def prepare(self: BuildingBackend, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        events.append("measured")
        return original(self, workload, config)

    monkeypatch.setattr(BuildingBackend, "prepare", prepare)
    results = execute_local(_tasks([{"design": "x"}]), Runner(POLICY, "run"), lambda _m: None, prebuild=True)
    assert [m.status for m in results] == ["ok"]
    assert events == ["settled", "measured"]  # the PCH stage and the build server's imports first
