"""Run sweep tasks on Dask distributed; results stream into the one store on the client.

Workers never write the store: each task returns its record (JSON) and the client appends it
as it completes. Each task asks for the resources its backend needs (``accelbench.sweep``); a
task whose resources no worker offers is recorded ``unavailable`` with that reason instead of
waiting forever. A worker killed mid-task is Dask's business: the task is rescheduled on
another worker (up to ``distributed.scheduler.allowed-failures``); a task that keeps killing
workers ends as KilledWorker and is stored as ``error``, and the sweep goes on.

Timing never overlaps on one host (issue 13): a task whose backend is timed by a clock (host or
device timing) holds the host's timing lock (:mod:`accelbench.measure.hostlock`, an
``flock`` the operating system releases if the worker dies) for its whole measurement, whatever
``--workers`` says; tasks with modeled timing (hls4ml C simulation and compilation) do not take
it and run in parallel. The same lock serialises pytest-xdist workers, so a sweep and a test
session on one host take turns too.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import PowerHook
from accelbench.plan import Task
from accelbench.results.record import Measurement


def _payload(task: Task) -> dict[str, Any]:
    from accelbench.backends.registry import _targets

    w = task.workload
    return {"kind": w.kind, "params": dict(w.params), "name": w.name, "backend": task.backend,
            "target": _targets()[task.backend], "batch": task.batch, "config": dict(task.config), "key": task.key}


def run_on_worker(payload: dict[str, Any], policy: RunPolicy, run_id: str, sweep_id: str,
                  power_hook: PowerHook | None) -> dict[str, Any]:
    """Executed on a Dask worker: rebuild the workload, measure, return the record as JSON."""
    from distributed import get_worker

    from accelbench.backends.registry import backend_names, get_backend, register_backend
    from accelbench.kinds import make_workload
    from accelbench.measure.runner import Runner

    if payload["backend"] not in backend_names():  # a backend registered at run time on the client
        register_backend(payload["backend"], payload["target"])
    workload = make_workload(payload["kind"], payload["params"], name=payload["name"])
    backend = get_backend(payload["backend"])
    with timing_turn(backend.timing) as waited_s:
        m = Runner(policy, run_id, power_hook=power_hook).measure(
            backend, workload, payload["batch"], payload["config"], sweep_id=sweep_id, task_key=payload["key"],
        )
    notes = [f"dask worker {get_worker().address}"]
    if waited_s is not None:
        notes.append(f"held this host's timing lock (waited {waited_s:.2f} s for it)")
    m = dataclasses.replace(m, notes=(*m.notes, *notes))
    return m.to_json()


@contextmanager
def timing_turn(timing: str) -> Iterator[float | None]:
    """Hold the host's timing lock unless ``timing`` is ``modeled``; yields the wait (s) or None."""
    if timing == "modeled":
        yield None
        return
    from accelbench.measure.hostlock import host_timing_lock

    with host_timing_lock() as waited_s:
        yield waited_s


def _failure(task: Task, run_id: str, sweep_id: str, status: str, reason: str) -> Measurement:
    w = task.workload
    return Measurement(
        run_id=run_id, measurement_id=uuid.uuid4().hex, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        workload=w.name, kind=w.kind, params=dict(w.params), params_hash=w.params_hash, backend=task.backend,
        family=task.backend.split("-")[0], batch=task.batch, scenario=task.scenario, status=status,  # type: ignore[arg-type]
        invalid_reason=reason, config=dict(task.config), sweep_id=sweep_id, task_key=task.key,
    )


def _offered(client: Any) -> list[dict[str, float]]:
    return [dict(info.get("resources", {})) for info in client.scheduler_info()["workers"].values()]


def execute_dask(
    tasks: Sequence[Task],
    client: Any,
    policy: RunPolicy,
    run_id: str,
    sweep_id: str,
    sink: Callable[[Measurement], None],
    progress: Callable[[int, int, Task, Measurement | None], None] | None = None,
    power_hook: PowerHook | None = None,
) -> list[Measurement]:
    """Submit every task, store each result as it completes, and return them all."""
    from distributed import as_completed

    from accelbench.sweep import resources_for

    client.wait_for_workers(1, timeout=120)  # after a lost worker, its nanny may still be restarting it
    offered = _offered(client)
    results: list[Measurement] = []
    futures: dict[Any, Task] = {}
    for task in tasks:
        needed = resources_for(task.backend)
        if not any(all(worker.get(r, 0) >= n for r, n in needed.items()) for worker in offered):
            missing = ", ".join(f"{r}={n}" for r, n in needed.items())
            m = _failure(task, run_id, sweep_id, "unavailable",
                         f"no Dask worker offers resources {missing} (start one with --resources \"{missing}\")")
            sink(m)
            results.append(m)
            continue
        future = client.submit(run_on_worker, _payload(task), policy, run_id, sweep_id, power_hook,
                               resources=needed, key=f"accelbench-{sweep_id}-{task.key}-{uuid.uuid4().hex[:6]}",
                               pure=False)
        futures[future] = task
    done = len(results)
    for future in as_completed(list(futures)):
        task = futures[future]
        try:
            m = Measurement.from_json(future.result())
        except Exception as exc:  # KilledWorker after allowed-failures, or a bug on the worker
            m = _failure(task, run_id, sweep_id, "error", f"{type(exc).__name__}: {exc}".splitlines()[0][:500])
        sink(m)
        results.append(m)
        done += 1
        if progress:
            progress(done, len(tasks), task, m)
    return results


#: Seconds to wait for a --scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait for a --scheduler to have at least one worker.
WORKERS_TIMEOUT_S = 30.0


def connect(scheduler: str | None, workers: int | None, timeout_s: float = CONNECT_TIMEOUT_S) -> tuple[Any, Any]:
    """A Client to ``scheduler``, or to a new LocalCluster on 127.0.0.1 with ``workers`` processes.

    An unreachable scheduler is a UserError after ``timeout_s`` seconds (one line, and the caller
    stores no run). Local workers offer TIMING=1 and HLS=1 each; GPU and PYNQ resources only
    come from workers started on hosts that have them. Whatever the number of workers, clock-timed
    measurements on one host take turns (:func:`timing_turn`).
    """
    from distributed import Client, LocalCluster

    from accelbench.errors import UserError

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(f"cannot reach the Dask scheduler {scheduler} within {timeout_s:g} s: {reason}") from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except (OSError, TimeoutError):
            client.close()
            raise UserError(f"the Dask scheduler {scheduler} has no worker (waited {WORKERS_TIMEOUT_S:g} s): start one "
                            f"with `dask worker {scheduler}`") from None
        return client, None
    cluster = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, resources={"TIMING": 1, "HLS": 1})
    return Client(cluster), cluster
