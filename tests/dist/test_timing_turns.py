"""Issue 13 item 6: with the Dask executor, clock-timed measurements on one host never overlap,
whatever the number of workers; modeled (C-simulation) tasks do not wait for a turn.

The check is on the order of the calls each measurement made (logged by a fake backend with the
host's monotonic clock), never on durations.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from accelbench.backends.registry import register_backend, unregister_backend
from accelbench.executors.dask import execute_dask, timing_turn
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.plan import Task
from accelbench.measure.hostlock import try_lock

POLICY = RunPolicy(budget_s=0.1, min_samples=5, warmup_s=0.0, seed=7)


@pytest.fixture
def lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private lock directory (inherited by the workers), so other sessions cannot interfere."""
    directory = tmp_path / "locks"
    monkeypatch.setenv("ACCELBENCH_LOCK_DIR", str(directory))
    return directory


@pytest.fixture
def client(lock_dir: Path) -> Iterator[Client]:
    """Three worker processes on this one host, each offering TIMING=1 (as --workers 3 does)."""
    register_backend("fake-interval", "tests.dist.interval_fake:IntervalFake")
    register_backend("fake-interval-modeled", "tests.dist.interval_fake:ModeledIntervalFake")
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      resources={"TIMING": 1, "HLS": 1}) as cluster, Client(cluster) as c:
        c.wait_for_workers(3, timeout=120)
        yield c
    unregister_backend("fake-interval")
    unregister_backend("fake-interval-modeled")


def _tasks(backend: str, log: Path, n: int) -> list[Task]:
    workload = make_workload("gemm", {"m": 4, "n": 4, "k": 4})
    return [Task(workload, backend, 1, "single-stream",
                 {"interval_log": str(log), "interval_tag": f"t{i}", "fake_delay_s": 0.001}) for i in range(n)]


def _spans(log: Path) -> dict[str, tuple[int, int, int]]:
    """tag -> (first call, last call, worker pid), from the log."""
    calls: dict[str, list[int]] = defaultdict(list)
    pids: dict[str, int] = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        calls[entry["tag"]].append(entry["t_ns"])
        pids[entry["tag"]] = entry["pid"]
    return {tag: (min(ts), max(ts), pids[tag]) for tag, ts in calls.items()}


def test_timed_measurements_on_one_host_never_overlap_with_several_workers(client: Client, tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    results = execute_dask(_tasks("fake-interval", log, 6), client, POLICY, "r", "turns", lambda m: None)
    assert all(m.status == "ok" for m in results), [m.invalid_reason for m in results]
    assert all(any("timing lock" in note for note in m.notes) for m in results)
    spans = sorted(_spans(log).values())
    assert len(spans) == 6
    assert len({pid for _, _, pid in spans}) >= 2, "the tasks should have been spread over several workers"
    for (_, end, _), (start, _, _) in pairwise(spans):
        assert end < start, "two timed measurements overlapped on one host"


def test_modeled_tasks_take_no_timing_turn(lock_dir: Path) -> None:
    with timing_turn("modeled") as waited:
        assert waited is None and try_lock()
    with timing_turn("host") as waited:
        assert waited is not None and not try_lock()
    with timing_turn("device"):
        assert not try_lock()
    assert try_lock()
