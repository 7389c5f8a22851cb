"""Sweeps: many tasks under one sweep id, resumable, run locally or on Dask.

A task's identity is :attr:`accelbench.plan.Task.key`. Re-running a sweep id skips every key
already stored (whatever its status); ``retry_failed`` re-runs the keys whose latest stored
result is an ``error`` (a crash, a lost worker, a timeout), and only those. Without
``--sweep-id`` the id is derived from the tasks and the policy (:func:`default_sweep_id`), so
repeating the same command resumes it. A run of the sweep killed without a chance to finish
(SIGKILL, power cut) is reported ``abandoned`` when the sweep resumes; what it stored is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from accelbench.measure.policy import RunPolicy
from accelbench.plan import Task
from accelbench.results.record import Measurement
from accelbench.results.store import Store

#: Every measurement holds this Dask resource, and every worker offers one unit: two
#: timing-sensitive measurements never share a worker at the same time.
TIMING = "TIMING"


def resources_for(backend: str) -> dict[str, int]:
    """Dask resources a task on ``backend`` asks for: TIMING plus the backend's own (GPU, PYNQ, HLS)."""
    from accelbench.backends.registry import get_backend

    return {TIMING: 1, **get_backend(backend).resources}


#: Policy fields that change what a measurement means, hence which sweep it belongs to.
_POLICY_FIELDS = ("scenario", "budget_s", "target_rel_noise", "seed")


def default_sweep_id(tasks: Sequence[Task], policy: RunPolicy) -> str:
    """``sweep-`` + a hash of the task keys (targets x backends x batches x configurations) and the
    policy fields in :data:`_POLICY_FIELDS`: the same command gives the same id, in any task order."""
    text = json.dumps({"tasks": sorted(task.key for task in tasks),
                       "policy": {name: getattr(policy, name, None) for name in _POLICY_FIELDS}},
                      sort_keys=True, default=str)
    return "sweep-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def note_abandoned(store: Store, sweep_id: str) -> list[str]:
    """Mark the sweep's runs whose process is gone ``abandoned`` in the store; one line for each."""
    lines = []
    for run in store.abandoned_runs(store.sweep_run_ids(sweep_id)):
        store.mark_abandoned(run["run_id"])
        lines.append(f"sweep {sweep_id}: run {run['run_id']} (pid {run['pid']} on {run['host']}) was abandoned "
                     f"after storing {run['stored']} result(s); they are kept, the rest runs now")
    return lines


def pending(tasks: Sequence[Task], store: Store, sweep_id: str, retry_failed: bool) -> tuple[list[Task], int]:
    """Tasks still to run for ``sweep_id`` and how many were skipped as already stored."""
    done = store.task_keys(sweep_id, valid_only=retry_failed) if retry_failed else store.task_keys(sweep_id)
    todo = [task for task in tasks if task.key not in done]
    return todo, len(tasks) - len(todo)


@dataclass
class Summary:
    """What a sweep did: counts by status, failures with reasons, tasks skipped as already stored."""

    sweep_id: str
    planned: int
    skipped_done: int
    results: list[Measurement] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(m.status for m in self.results))

    @property
    def failures(self) -> list[Measurement]:
        return [m for m in self.results if m.status in ("error", "invalid")]

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items())) or "nothing run"
        out = [f"sweep {self.sweep_id}: {self.planned} task(s), {self.skipped_done} already stored, ran "
               f"{len(self.results)}: {counts}"]
        out += [f"  failed: {m.workload} on {m.backend} at batch {m.batch}: {m.status}: {m.invalid_reason}"
                for m in self.failures]
        return out
