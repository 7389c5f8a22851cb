"""Sweeps on a Dask cluster on 127.0.0.1: placement by resources, resume, lost workers, equality with local."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, Nanny, Scheduler, SpecCluster

from accelbench.backends.registry import register_backend, unregister_backend
from accelbench.execute import execute_local
from accelbench.executors.dask import execute_dask
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.plan import Task, expand
from accelbench.results.store import open_store
from accelbench.suites import SuiteEntry
from accelbench.sweep import pending

POLICY = RunPolicy(budget_s=0.05, min_samples=3, warmup_s=0.0, seed=1234)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Two workers: a CPU host and a host with a board attached (PYNQ=1)."""
    workers = {
        "cpu-host": {"cls": Nanny, "options": {"nthreads": 1, "resources": {"TIMING": 1}}},
        "board-host": {"cls": Nanny, "options": {"nthreads": 1, "resources": {"TIMING": 1, "PYNQ": 1}}},
    }
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = SpecCluster(
            scheduler={"cls": Scheduler, "options": {"host": "127.0.0.1", "dashboard_address": None}},
            workers=workers,
        )
        with Client(cluster) as c:
            yield c
        cluster.close()


@pytest.fixture(autouse=True)
def fakes() -> Iterator[None]:
    register_backend("fake", "tests.fakes:FakeBackend")
    register_backend("fake-board", "tests.fakes:FakeBoardBackend")
    yield
    unregister_backend("fake")
    unregister_backend("fake-board")


def _tasks(backends: list[str], config: dict[str, Any] | None = None) -> list[Task]:
    entries = [SuiteEntry(make_workload("gemm", {"m": 8, "n": 8, "k": 8})),
               SuiteEntry(make_workload("rnn_step", {"cell": "gru", "hidden": 4}))]
    return expand(entries, backends, "single-stream", [1, 2], [config or {}])


def _worker_of(m: Any, client: Client) -> str:
    """The name of the worker that measured ``m`` (from the note the worker adds)."""
    address = next(note.split()[-1] for note in m.notes if note.startswith("dask worker"))
    return str(next(info["name"] for addr, info in client.scheduler_info()["workers"].items() if addr == address))


def test_tasks_land_on_workers_offering_their_resources(client: Client) -> None:
    results = execute_dask(_tasks(["fake-board", "fake"]), client, POLICY, "r", "place", lambda m: None)
    assert all(m.status == "ok" for m in results)
    for m in results:
        if m.backend == "fake-board":
            assert _worker_of(m, client) == "board-host"


def test_a_task_no_worker_can_host_is_unavailable_with_the_reason(client: Client) -> None:
    (m, *_) = execute_dask(_tasks(["gpu-torch"])[:1], client, POLICY, "r", "nogpu", lambda m: None)
    assert m.status == "unavailable" and "GPU=1" in m.invalid_reason


def test_results_equal_the_local_executors_in_every_deterministic_field(client: Client) -> None:
    tasks = _tasks(["fake", "cpu-numpy"])
    remote = {m.task_key: m for m in execute_dask(tasks, client, POLICY, "r", "eq", lambda m: None)}
    local = {m.task_key: m for m in execute_local(tasks, Runner(POLICY, "r"), lambda m: None)}
    assert set(remote) == set(local)
    for key, m in local.items():
        other = remote[key]
        for field in ("workload", "params_hash", "backend", "batch", "scenario", "status", "seed", "error"):
            assert getattr(m, field) == getattr(other, field), field


def test_resume_runs_only_what_is_not_stored(client: Client, tmp_path: Path) -> None:
    tasks = _tasks(["fake"])
    with open_store(tmp_path / "s.duckdb") as store:
        execute_dask(tasks[:2], client, POLICY, "r", "resume", store.append)  # "interrupted" after two
        todo, skipped = pending(tasks, store, "resume", retry_failed=False)
        assert skipped == 2 and [t.key for t in todo] == [t.key for t in tasks[2:]]
        execute_dask(todo, client, POLICY, "r2", "resume", store.append)
        assert pending(tasks, store, "resume", retry_failed=False) == ([], len(tasks))


def test_a_worker_killed_mid_task_does_not_lose_the_sweep(client: Client, tmp_path: Path) -> None:
    marker = tmp_path / "killed-once"
    tasks = _tasks(["fake"], {"fake_exit_marker": str(marker)})[:1] + _tasks(["fake"])
    with open_store(tmp_path / "s.duckdb") as store:
        results = execute_dask(tasks, client, POLICY, "r", "kill", store.append)
        assert marker.exists()  # a worker process did die
        assert all(m.status == "ok" for m in results), [m.invalid_reason for m in results]
        assert len(store.measurements(sweep_id="kill")) == len(tasks)


def test_a_task_that_keeps_killing_workers_is_stored_as_an_error(client: Client, tmp_path: Path) -> None:
    doomed = _tasks(["fake"], {"fake_exit_marker": str(tmp_path / "m"), "fake_exit_always": True})[:1]
    with open_store(tmp_path / "s.duckdb") as store:
        (bad,) = execute_dask(doomed, client, POLICY, "r", "doomed", store.append)
        assert bad.status == "error" and "KilledWorker" in bad.invalid_reason
        assert pending(doomed, store, "doomed", retry_failed=True)[0] == doomed  # --retry-failed re-runs it
        assert pending(doomed, store, "doomed", retry_failed=False)[0] == []
        # the cluster recovers (nannies restart the workers) and the sweep goes on
        (after,) = execute_dask(_tasks(["fake"])[:1], client, POLICY, "r", "doomed", store.append)
        assert after.status == "ok"


def test_cli_sweep_on_a_local_cluster_then_resume_runs_nothing(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "accelbench.cli", "sweep", "gemm:m=16,n=16,k=16", "--backends", "cpu-numpy",
            "--batch", "1,2", "--executor", "dask", "--workers", "2", "--sweep-id", "s1", "--no-power",
            "--budget-s", "0.05", "--json", "--store", str(tmp_path / "s.duckdb")]
    first = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)) == 2
    again = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout) == [] and "2 already stored" in again.stderr
